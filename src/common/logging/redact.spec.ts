import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SecretRedactor } from './redact';

describe('SecretRedactor', { timeout: 30_000 }, () => {
  const redactor = new SecretRedactor(['s3cr3t-"quoted"-value', 'short']);

  it('should blank configured secrets, also in their JSON-escaped form, but not short ones', () => {
    const line = JSON.stringify({ message: 'key s3cr3t-"quoted"-value and a short word' });
    assert.equal(redactor.redact(line), JSON.stringify({ message: 'key [REDACTED] and a short word' }));
  });

  it('should blank bearer credentials, JWTs and passwords in URLs', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';
    assert.equal(redactor.redact('Authorization: Bearer abc.def-ghi'), 'Authorization: Bearer [REDACTED]');
    assert.equal(redactor.redact(`token=${jwt} seen`), 'token=[REDACTED JWT] seen');
    assert.equal(
      redactor.redact('connect mysql://app:p%40ss@db:3306/x failed'),
      'connect mysql://app:[REDACTED]@db:3306/x failed',
    );
  });
});
