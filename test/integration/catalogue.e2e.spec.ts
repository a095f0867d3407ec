import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';
import { CatalogueCache } from '../../src/recommendations/catalogue-cache';
import { ItemsRepository } from '../../src/repositories/items.repository';

const techno = {
  name: 'Techno Night',
  type: 'gig',
  city: 'Dublin',
  venue: 'The Button Factory',
  starts_at: '2026-12-15T21:00:00.000Z',
  ends_at: '2026-12-16T03:00:00.000Z',
  genres: ['Electronic', 'Techno'],
  artists: ['Ben Klock'],
  tags: ['late-night'],
  metadata: { price_eur: 25, nested: { ok: true } },
};

for (const dialect of DIALECTS) {
  describe(`catalogue API on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect);
    });
    after(async () => t?.close());

    it('should read back an item exactly as it was written', async () => {
      await t.http.put('/v1/items/evt_1').send(techno).expect(200);
      const { body } = await t.http.get('/v1/items/evt_1').expect(200);
      const { created_at, updated_at, ...rest } = body;
      assert.deepEqual(rest, { id: 'evt_1', ...techno, placeholder: false });
      assert.ok(Date.parse(created_at) <= Date.parse(updated_at));
    });

    it('should keep unicode and replace an item on a second PUT', async () => {
      await t.http.put('/v1/items/evt_2').send({ name: 'Céilí Mór 🎻', city: 'Galway' }).expect(200);
      await t.http
        .put('/v1/items/evt_2')
        .send({ name: 'Céilí Mór 🎻', genres: ['Trad'] })
        .expect(200);
      const { body } = await t.http.get('/v1/items/evt_2').expect(200);
      assert.equal(body.name, 'Céilí Mór 🎻');
      assert.equal(body.city, null);
      assert.deepEqual(body.genres, ['Trad']);
    });

    it('should upsert a batch and read every item back', async () => {
      const items = Array.from({ length: 1000 }, (_, i) => ({
        id: `batch_${i}`,
        name: `Gig ${i}`,
        genres: [`G${i % 7}`],
      }));
      const { body } = await t.http.post('/v1/items/batch').send({ items }).expect(200);
      assert.deepEqual(body, { upserted: 1000 });
      const item = (await t.http.get('/v1/items/batch_999').expect(200)).body;
      assert.deepEqual([item.name, item.genres], ['Gig 999', ['G5']]);
    });

    it('should soft-delete an item, then answer 404 for it', async () => {
      await t.http.put('/v1/items/evt_gone').send({ name: 'Cancelled' }).expect(200);
      await t.http.delete('/v1/items/evt_gone').expect(204);
      const { body } = await t.http.get('/v1/items/evt_gone').expect(404);
      assert.match(body.detail, /evt_gone not found/);
      await t.http.delete('/v1/items/evt_gone').expect(404);
    });

    it('should reject bad items with 400 and store nothing', async () => {
      const cases: [string, unknown, RegExp][] = [
        ['/v1/items/bad_1', { city: 'Dublin' }, /name/],
        ['/v1/items/bad_2', { name: 'x', starts_at: 'next friday' }, /starts_at must be an ISO 8601/],
        ['/v1/items/bad_3', { name: 'x', genres: 'Techno' }, /genres must be an array/],
        ['/v1/items/bad_4', { name: 'x', surprise: 1 }, /property surprise should not exist/],
        [
          '/v1/items/bad_5',
          { name: 'x', starts_at: '2026-12-02T00:00:00Z', ends_at: '2026-12-01T00:00:00Z' },
          /ends_at must not be before starts_at/,
        ],
        ['/v1/items/bad_6', { name: 'x'.repeat(501) }, /name must be shorter/],
      ];
      for (const [path, payload, detail] of cases) {
        const { body } = await t.http
          .put(path)
          .send(payload as object)
          .expect(400);
        assert.match(body.detail, detail);
        await t.http.get(path).expect(404);
      }
    });

    it('should reject a whole batch when one item is bad, storing none of it', async () => {
      const items = [{ id: 'ok_1', name: 'Fine' }, { id: 'ok_2' }];
      const { body } = await t.http.post('/v1/items/batch').send({ items }).expect(400);
      assert.match(body.detail, /items\.1\.name/);
      await t.http.get('/v1/items/ok_1').expect(404);
      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ id: `m${i}`, name: 'x' }));
      assert.match((await t.http.post('/v1/items/batch').send({ items: tooMany }).expect(400)).body.detail, /1000/);
      assert.match(
        (
          await t.http
            .post('/v1/items/batch')
            .send({
              items: [
                { id: 'd', name: 'a' },
                { id: 'd', name: 'b' },
              ],
            })
            .expect(400)
        ).body.detail,
        /more than once/,
      );
      await t.http.get('/v1/items/d').expect(404);
    });

    it('should keep every item as it was through a reload that finds nothing changed, and take a change made elsewhere', async () => {
      const catalogue = t.app.get(CatalogueCache);
      const before = catalogue.get('evt_1');
      await catalogue.reload();
      // The same summary object: nothing was rebuilt, so neither were the models' views of it.
      assert.equal(catalogue.get('evt_1'), before);

      // Written as another replica would, behind this one's back: only a reload can see it.
      const { isPlaceholder, createdAt, updatedAt, deletedAt, ...item } = (
        await t.app.get(ItemsRepository).getByIds(['evt_1'])
      )[0];
      assert.deepEqual([isPlaceholder, deletedAt, createdAt <= updatedAt], [false, null, true]);
      await new Promise((done) => setTimeout(done, 5));
      await t.app.get(ItemsRepository).upsert([{ ...item, name: 'Techno Night II' }]);
      const untouched = catalogue.get('evt_2');
      await catalogue.reload();
      assert.notEqual(catalogue.get('evt_1'), before);
      assert.equal(catalogue.get('evt_1')?.name, 'Techno Night II');
      // Another item's summary is kept: only what changed is rebuilt.
      assert.equal(catalogue.get('evt_2'), untouched);
    });

    it('should store and return user profiles', async () => {
      const profile = { city: 'Cork', preferences: { genres: ['Jazz'], artists: ['Miles Davis'] } };
      await t.http.put('/v1/users/user_1').send(profile).expect(200);
      const { body } = await t.http.get('/v1/users/user_1').expect(200);
      assert.deepEqual({ city: body.city, preferences: body.preferences }, profile);
      await t.http.get('/v1/users/nobody').expect(404);
      const bad = await t.http
        .put('/v1/users/user_2')
        .send({ preferences: { genres: [1] } })
        .expect(400);
      assert.match(bad.body.detail, /preferences\.genres must contain only strings/);
      await t.http.get('/v1/users/user_2').expect(404);
    });

    it('should answer unknown routes and malformed JSON with a detail body', async () => {
      assert.deepEqual((await t.http.get('/v1/nothing-here').expect(404)).body, {
        detail: 'Cannot GET /v1/nothing-here',
      });
      const { body } = await t.http
        .put('/v1/items/x')
        .set('content-type', 'application/json')
        .send('{"name":')
        .expect(400);
      assert.equal(typeof body.detail, 'string');
    });
  });
}
