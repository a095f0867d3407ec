import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonShapeViolation } from './json-shape';

const check = (json: string, maxDepth = 3, maxElements = 3, maxValues = 100) =>
  jsonShapeViolation(Buffer.from(json), maxDepth, maxElements, maxValues);

describe('jsonShapeViolation', { timeout: 30_000 }, () => {
  it('should accept bodies at the bounds, whatever strings contain', () => {
    assert.equal(check('{"a":[1,2,{"b":"x"}]}'), null);
    assert.equal(check('{"a":"[[[[,,,,{{{{","b":"\\"[[[[,,,,","c":"\\\\"}'), null);
    assert.equal(check('[[["é,€,😀"]],{"k":{}}]'), null);
    assert.equal(check(''), null);
  });

  it('should refuse nesting beyond the depth, naming where', () => {
    assert.equal(check('[[[[]]]]'), 'request body is nested deeper than 3 levels at [0][0][0]');
    assert.equal(
      check('{"events":[{"context":{"x":1}}]}'),
      'request body is nested deeper than 3 levels at events[0].context',
    );
    assert.equal(check('{"a":1,"b":{"c\\"d":[[]]}}'), 'request body is nested deeper than 3 levels at b.c\\"d[0]');
  });

  it('should refuse arrays and objects with more elements than the bound', () => {
    assert.equal(check('[1,2,3,4]'), 'request body must have at most 3 elements');
    assert.equal(check('{"events":[{},{},{},{}]}'), 'events must have at most 3 elements');
    assert.equal(check('{"a":1,"m":{"k1":1,"k2":[1,2,3],"k3":3,"k4":4}}'), 'm must have at most 3 members');
    assert.equal(check('{"a":[1,2,3],"b":[1,2,3],"c":[[1,2,3],[1,2,3]]}'), null);
  });

  it('should refuse more array elements and object members in all than the bound, empty containers adding none', () => {
    assert.equal(check('[[1,2],{"a":3,"b":4}]', 3, 3, 6), null);
    assert.equal(
      check('[[1,2],{"a":3,"b":4}]', 3, 3, 5),
      'request body must have at most 5 array elements and object members in all',
    );
    assert.equal(check('[ [ ] , { } , "x" ]', 3, 3, 3), null);
  });

  it('should stop at the first violation of a deep body without recursing', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    assert.match(jsonShapeViolation(Buffer.from(deep)) ?? '', /deeper than 32 levels at (\[0\]){32}$/);
  });
});
