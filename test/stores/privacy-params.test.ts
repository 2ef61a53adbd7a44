import { describe, expect, it } from 'vitest';
import { appendParams, listParams } from '../../src/infra/stores/audit-store.js';
import { scrubClaimParams } from '../../src/infra/stores/subject-store.js';

const now = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('privacy request builders', () => {
  it('when an audit entry is appended, then it expires after the audit retention and never overwrites another', () => {
    const params = appendParams('A', '1795435200000#01ABC', { actor: { id: 'ops:1234abcd' }, action: 'privacy.export', subjectHash: 'h' }, now, 365);
    expect(params.Item).toMatchObject({ stream: 'audit', entryId: '1795435200000#01ABC', subjectHash: 'h', ttl: Math.floor(now / 1000) + 365 * 86_400 });
    expect(params.Item).not.toHaveProperty('subjectMasked');
    expect(params.ConditionExpression).toBe('attribute_not_exists(#sk)');
  });

  it('when the audit is read by subject, then the subject index is queried from `since`, live entries only', () => {
    const params = listParams('A', { subjectHash: 'h', since: now, limit: 10 }, now);
    expect(params).toMatchObject({
      IndexName: 'subject-index',
      KeyConditionExpression: '#subjectHash = :pk AND #sk > :from',
      FilterExpression: '#ttl >= :nowSec',
      Limit: 10,
    });
    expect(params.ExpressionAttributeValues).toMatchObject({ ':pk': 'h', ':from': String(now) });
    expect(listParams('A', { limit: 10, after: 'x' }, now)).toMatchObject({ ExpressionAttributeValues: { ':pk': 'audit', ':from': 'x' } });
  });

  it('when a delivery record is scrubbed, then only a completed one is touched, and its event and response go while its key stays', () => {
    const params = scrubClaimParams('I', 'wamid:abc');
    expect(params).toMatchObject({
      Key: { idempotencyKey: 'wamid:abc' },
      UpdateExpression: 'SET #response = :none, erased = :yes REMOVE #event, importedFrom',
      ConditionExpression: '#status = :completed',
    });
  });
});
