import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHubGatedFields, validateAnswers } from './application-form.models.ts';

const isCountry = (code: string) => ['DE', 'KE', 'US'].includes(code);

describe('application forms', () => {
  it('reads a card written for the Hub (extra_gated_fields) into typed fields', () => {
    const { fields, problems } = parseHubGatedFields({
      Company: 'text',
      Country: 'country',
      'Intended use': { type: 'select', options: ['Research', { label: 'Education', value: 'edu' }] },
      'I agree to use this model for non-commercial use ONLY': 'checkbox',
      Website: { type: 'url', required: false, help: 'Your lab page' },
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(fields.map((f) => [f.name, f.type, f.required]), [
      ['company', 'text', true], ['country', 'country', true], ['intended_use', 'select', true],
      ['i_agree_to_use_this_model_for_non_commercial_use_only', 'checkbox', true], ['website', 'url', false],
    ]);
    assert.deepEqual(fields[2]!.options, ['Research', 'Education']);
  });

  it('reports unknown types and selects without options, naming the field', () => {
    const { problems } = parseHubGatedFields({ Age: 'number', Pick: { type: 'select' } });
    assert.deepEqual(problems.map((p) => p.field), ['extra_gated_fields.Age', 'extra_gated_fields.Pick']);
  });

  it('names every missing, malformed or unexpected answer', () => {
    const { fields } = parseHubGatedFields({ Email: 'email', Country: 'country', Start: 'date', Topics: { type: 'multi-select', options: ['nlp', 'vision'] }, Agree: 'checkbox' });
    const problems = validateAnswers(fields, { email: 'not-an-email', country: 'XX', start: '2026-13-45', topics: ['nlp', 'audio'], extra: 'x' }, isCountry);
    assert.deepEqual(problems.map((p) => p.field).sort(), ['fields.agree', 'fields.country', 'fields.email', 'fields.extra', 'fields.start', 'fields.topics']);
  });

  it('accepts a complete, valid set of answers', () => {
    const { fields } = parseHubGatedFields({ Email: 'email', Country: 'country', Agree: 'checkbox', Site: { type: 'url', required: false } });
    assert.deepEqual(validateAnswers(fields, { email: 'a@b.org', country: 'KE', agree: true }, isCountry), []);
  });
});
