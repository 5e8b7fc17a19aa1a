import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isCountryCode } from '../credentials/credentials.countries.ts';
import { validateAnswers, type FormField } from './application-form.models.ts';
import { applicationInput } from './applications.web.tsx';

const FORM: FormField[] = [
  { name: 'affiliation', label: 'Affiliation', type: 'text', required: true },
  { name: 'uses', label: 'Uses', type: 'multi-select', required: false, options: ['eval', 'fine-tune', 'audit'] },
  { name: 'agree', label: 'I agree', type: 'checkbox', required: true },
];

describe('the wizard\'s posted form as the API\'s input', () => {
  it('turns repeated multi-select values into a list, a ticked box into true, and leaves out empty text', () => {
    const input = applicationInput({ 'fields.affiliation': '', 'fields.uses': ['eval', 'audit'], 'fields.agree': 'yes', purpose: 'p', 'agreement.version': '2', 'agreement.signedName': 'Rita' }, FORM, true);
    assert.deepEqual(input, { purpose: 'p', fields: { uses: ['eval', 'audit'], agree: true }, agreement: { version: 2, signedName: 'Rita' } });
  });

  it('only ever sends fields of the form, so a posted extra field cannot reach the answers', () => {
    const posted = fc.dictionary(fc.string({ maxLength: 12 }).map((k) => `fields.${k}`), fc.oneof(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })));
    fc.assert(fc.property(posted, (form) => {
      const input = applicationInput(form, FORM, true);
      assert.ok(Object.keys(input.fields).every((k) => FORM.some((f) => f.name === k)));
      assert.equal(input.agreement, undefined, 'no signature unless the agreement step was posted');
      // Whatever was posted, the answers are of the shapes the validator judges (never a crash or a wrong type).
      for (const p of validateAnswers(FORM, input.fields, isCountryCode)) assert.doesNotMatch(p.message, /must be text|must be a list|must be true or false/);
    }));
  });
});
