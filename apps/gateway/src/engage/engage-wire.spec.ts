import { Intervention } from '@wfp/contracts';
import { engageInterventionSchema, toEngageIntervention, toEngageInterventionList } from './engage-wire';

const opened: Intervention = {
  id: '65a100000000000000000001',
  category_ids: [],
  closed: false,
  closed_at: null,
  comments_count: 0,
  content_id: '65a000000000000000000001',
  created_at: '2024-05-02T10:00:00Z',
  custom_fields: { external_id: null },
  deferred_at: null,
  detected_language: null,
  first_user_reply_id: null,
  first_user_reply_in: null,
  first_user_reply_in_bh: null,
  identity_id: '650100000000000000000001',
  identity_group_id: null,
  last_user_reply_in: null,
  last_user_reply_in_bh: null,
  source_id: '650000000000000000000001',
  status: 'Opened',
  thread_id: '659f00000000000000000001',
  updated_at: '2024-05-02T10:00:00Z',
  user_id: null,
  user_replies_count: 0,
  user_reply_in_average: 0,
  user_reply_in_average_bh: 0,
  user_reply_in_average_count: 0,
};

describe('Engage wire: unset fields absent, not null', () => {
  it('drops every null-valued field and keeps the others (0, [], false included)', () => {
    const wire = toEngageIntervention(opened);
    for (const key of ['closed_at', 'deferred_at', 'detected_language', 'first_user_reply_id', 'identity_group_id', 'user_id']) {
      expect(wire).not.toHaveProperty(key);
    }
    expect(wire).toMatchObject({ closed: false, category_ids: [], comments_count: 0, identity_id: '650100000000000000000001' });
    // A custom field's value may be null by design: only top-level keys are dropped.
    expect(wire.custom_fields).toEqual({ external_id: null });
    expect(engageInterventionSchema.strict().safeParse(wire).success).toBe(true);
  });

  it('keeps the fields once set', () => {
    const closed = { ...opened, closed: true, closed_at: '2024-05-02T11:00:00Z', user_id: '650300000000000000000001' };
    expect(toEngageIntervention(closed)).toMatchObject({ closed_at: '2024-05-02T11:00:00Z', user_id: '650300000000000000000001' });
  });

  it('renders every record of a list page', () => {
    const page = toEngageInterventionList({ count: 1, offset: 0, limit: 30, records: [opened] });
    expect(page).toMatchObject({ count: 1, offset: 0, limit: 30 });
    expect(Object.values(page.records[0])).not.toContain(null);
  });

  it('documents no field as nullable in the OpenAPI schema', () => {
    for (const [key, field] of Object.entries(engageInterventionSchema.shape)) {
      expect([key, field.safeParse(null).success]).toEqual([key, false]);
    }
  });
});
