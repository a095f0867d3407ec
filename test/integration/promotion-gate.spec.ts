import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CatalogueService } from '../../src/catalogue/catalogue.service';
import { BatchFeedbackDto } from '../../src/feedback/feedback.dto';
import { FeedbackService } from '../../src/feedback/feedback.service';
import { ActiveModels } from '../../src/model-registry/active-models';
import { ModelActivator } from '../../src/model-registry/model-activator';
import { ModelsRepository, ModelVersion } from '../../src/repositories/models.repository';
import { TrainingService } from '../../src/training/training.service';
import { DIALECTS, dialectSkip } from '../support/databases';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';
import { startTestServices, TestServices } from '../support/services';

/**
 * The promotion gate, called on the activator: candidates are copies of one trained version's
 * artifact with the metrics each test needs, so the gate's arithmetic is the only variable.
 */
for (const dialect of DIALECTS) {
  describe(
    `${ModelActivator.name}.promoteIfBetter on ${dialect}`,
    { skip: dialectSkip(dialect), timeout: 300_000 },
    () => {
      let t: TestServices;
      let sut: ModelActivator;
      let models: ModelsRepository;
      let trained: ModelVersion;
      let candidates = 0;

      before(
        async () => {
          t = await startTestServices(dialect, { PROMOTION_TOLERANCE: '0.05' });
          sut = t.get(ModelActivator);
          models = t.get(ModelsRepository);
          await t.get(CatalogueService).putItems(catalogueFixture());
          await t.get(FeedbackService).recordBatch(feedbackFixture() as BatchFeedbackDto[]);
          const [version] = await (await t.get(TrainingService).start({ algorithm: 'popularity', force: true })).done;
          assert.equal(
            version.status,
            'active',
            `the first version did not become active: ${version.error ?? version.reason}`,
          );
          trained = version;
        },
        { timeout: 60_000 },
      );
      after(async () => t?.close());
      // Every test starts from the trained version serving.
      beforeEach(async () => void (await sut.activate(trained.id)));

      /** A candidate as a training run leaves it: stored artifact, NDCG@10 and the active configuration's NDCG@10 on the same holdout. */
      const candidate = async (ndcg: number, baselineNdcg: number): Promise<number> => {
        const id = await models.create(
          {
            version: `candidate-${++candidates}`,
            algorithm: trained.algorithm,
            params: trained.params,
            windowStart: trained.windowStart,
            windowEnd: trained.windowEnd,
          },
          'promotion-gate test',
        );
        await models.saveArtifact(id, Buffer.concat((await models.loadArtifactChunks(trained.id)) as Buffer[]));
        await models.update(id, {
          status: 'candidate',
          checksum: trained.checksum,
          artifactBytes: trained.artifactBytes,
          lastInteractionId: trained.lastInteractionId,
          metrics: { ndcg_at_10: ndcg, baseline_ndcg_at_10: baselineNdcg },
          finishedAt: Date.now(),
        });
        return id;
      };
      const servingId = async () => ({
        database: (await models.getActive()).find((m) => m.algorithm === trained.algorithm)?.id,
        memory: t.get(ActiveModels).get(trained.algorithm)?.id,
      });

      it('should promote a candidate less than PROMOTION_TOLERANCE below the active configuration', async () => {
        const id = await candidate(0.48, 0.5);
        await sut.promoteIfBetter(id, false);
        assert.equal((await models.getById(id))?.status, 'active');
        assert.deepEqual(await servingId(), { database: id, memory: id });
      });

      it('should reject a candidate further below, say by how much, and keep the active version serving', async () => {
        const id = await candidate(0.45, 0.5);
        await sut.promoteIfBetter(id, false);
        const rejected = await models.getById(id);
        assert.equal(rejected?.status, 'rejected');
        assert.equal(
          rejected?.reason,
          `NDCG@10 0.4500 is 10.0% below the active ${trained.version}'s configuration on the same holdout (0.5000); tolerance is 5.0%`,
        );
        assert.deepEqual(await servingId(), { database: trained.id, memory: trained.id });
      });

      it('should promote a worse candidate when forced', async () => {
        const id = await candidate(0.1, 0.5);
        await sut.promoteIfBetter(id, true);
        assert.equal((await models.getById(id))?.status, 'active');
        assert.deepEqual(await servingId(), { database: id, memory: id });
      });

      it('should promote any candidate when no version of its algorithm is active', async () => {
        await models.update(trained.id, { status: 'superseded' });
        const id = await candidate(0.1, 0.5);
        await sut.promoteIfBetter(id, false);
        assert.equal((await models.getById(id))?.status, 'active');
        assert.deepEqual(await servingId(), { database: id, memory: id });
      });
    },
  );
}
