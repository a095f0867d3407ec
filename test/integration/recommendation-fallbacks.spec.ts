import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlgorithmName } from '../../src/algorithms/types';
import { CatalogueService } from '../../src/catalogue/catalogue.service';
import { BatchFeedbackDto } from '../../src/feedback/feedback.dto';
import { FeedbackService } from '../../src/feedback/feedback.service';
import { RecommendationsService } from '../../src/recommendations/recommendations.service';
import { TrainingService } from '../../src/training/training.service';
import { DIALECTS, dialectSkip } from '../support/databases';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';
import { startTestServices, TestServices } from '../support/services';

/** The fallback chain, called on the service: wanted algorithm → hybrid → popularity → popularity from the database. */
for (const dialect of DIALECTS) {
  describe(
    `${RecommendationsService.name} fallbacks on ${dialect}`,
    { skip: dialectSkip(dialect), timeout: 300_000 },
    () => {
      let t: TestServices;
      let sut: RecommendationsService;
      before(
        async () => {
          // Seeded after start, so the service trains no first model by itself: each test trains what it needs.
          t = await startTestServices(dialect, { CACHE_TTL_SECONDS: '0' });
          sut = t.get(RecommendationsService);
          await t.get(CatalogueService).putItems(catalogueFixture());
          await t.get(FeedbackService).recordBatch(feedbackFixture() as BatchFeedbackDto[]);
        },
        { timeout: 60_000 },
      );
      after(async () => t?.close());

      const train = async (algorithm: AlgorithmName) => {
        const run = await t.get(TrainingService).start({ algorithm, force: true });
        const [version] = await run.done;
        assert.equal(
          version.status,
          'active',
          `${algorithm} did not become active: ${version.error ?? version.reason}`,
        );
      };

      it('should serve popularity from the database, less past events, before any model exists', async () => {
        const response = await sut.recommend({ userId: 'fan_0', algorithm: 'item_knn' });
        assert.equal(response.algorithm, 'popularity');
        assert.equal(response.model_version, null);
        assert.equal(response.fallback, 'no model is loaded yet; served popularity computed from the database');
        assert.ok(response.recommendations.length > 0, 'nothing was recommended');
        assert.ok(!response.recommendations.some((r) => r.event_id === 'techno_past'), 'a past event was recommended');
      });

      it('should fall back to popularity, and say so, when neither the wanted algorithm nor hybrid has a model', async () => {
        await train('popularity');
        const response = await sut.recommend({ userId: 'fan_0', algorithm: 'item_knn' });
        assert.equal(response.algorithm, 'popularity');
        assert.notEqual(response.model_version, null);
        assert.equal(response.fallback, 'item_knn has no model yet; added popularity');
        assert.ok(response.recommendations.length > 0, 'nothing was recommended');
        assert.deepEqual(new Set(response.recommendations.map((r) => r.algorithm)), new Set(['popularity']));
      });

      it('should fall back to hybrid before popularity', async () => {
        await train('hybrid');
        const response = await sut.recommend({ userId: 'fan_0', algorithm: 'item_knn' });
        assert.equal(response.algorithm, 'hybrid');
        assert.match(response.fallback ?? '', /^item_knn has no model yet; added hybrid/);
        assert.ok(response.recommendations.length > 0, 'nothing was recommended');
        assert.equal(response.recommendations[0].algorithm, 'hybrid');
      });

      it('should fill up from the fallbacks when the wanted model knows too little about the user', async () => {
        await train('item_knn');
        const known = await sut.recommend({ userId: 'fan_0', algorithm: 'item_knn' });
        assert.equal(known.fallback, undefined, 'a user the model knows needed a fallback');
        const stranger = await sut.recommend({ userId: 'stranger', algorithm: 'item_knn', limit: 5 });
        assert.equal(stranger.algorithm, 'item_knn');
        assert.match(stranger.fallback ?? '', /item_knn had too few items; added (hybrid|popularity)/);
        assert.equal(stranger.recommendations.length, 5);
      });
    },
  );
}
