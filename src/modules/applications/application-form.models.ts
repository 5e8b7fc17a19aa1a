/**
 * Application forms: typed fields a publisher asks applicants to fill in. The definitions can be
 * declared in the model card's YAML as Hugging Face's `extra_gated_fields` (name → type or
 * {type, options, required, help}), so cards written for the Hub work unchanged. Pure.
 */

export const FIELD_TYPES = ['text', 'long-text', 'select', 'multi-select', 'checkbox', 'date', 'country', 'url', 'email'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FormField {
  name: string;
  label: string;
  type: FieldType;
  required: boolean;
  options?: string[];
  help?: string;
}

export type FieldProblem = { field: string; message: string };

/** The Hub's spellings of field types, mapped onto ours. */
const HUB_TYPES: Record<string, FieldType> = {
  text: 'text', textarea: 'long-text', 'long-text': 'long-text', long_text: 'long-text', select: 'select', 'multi-select': 'multi-select',
  multiselect: 'multi-select', checkbox: 'checkbox', date_picker: 'date', date: 'date', country: 'country', url: 'url', email: 'email',
};

const slug = (label: string) => label.normalize('NFKD').replace(/[^\w\s-]/g, '').trim().toLowerCase().replace(/[\s-]+/g, '_').slice(0, 64) || 'field';

/**
 * Reads field definitions from card metadata (`extra_gated_fields`). Returns the problems instead of
 * throwing, so the card editor can show each one next to its line.
 */
export function parseHubGatedFields(value: unknown): { fields: FormField[]; problems: FieldProblem[] } {
  const fields: FormField[] = [];
  const problems: FieldProblem[] = [];
  if (value === undefined || value === null) return { fields, problems };
  if (typeof value !== 'object' || Array.isArray(value)) return { fields, problems: [{ field: 'extra_gated_fields', message: 'must be a mapping of field label to type' }] };
  for (const [label, spec] of Object.entries(value as Record<string, unknown>)) {
    const raw = typeof spec === 'string' ? { type: spec } : (spec as Record<string, unknown> | null);
    const type = raw && typeof raw.type === 'string' ? HUB_TYPES[raw.type] : undefined;
    if (!raw || !type) {
      problems.push({ field: `extra_gated_fields.${label}`, message: `unknown field type; use one of ${Object.keys(HUB_TYPES).join(', ')}` });
      continue;
    }
    const options = Array.isArray(raw.options) ? raw.options.map((o) => (typeof o === 'object' && o && 'label' in o ? String((o as { label: unknown }).label) : String(o))) : undefined;
    if ((type === 'select' || type === 'multi-select') && (!options || options.length === 0)) {
      problems.push({ field: `extra_gated_fields.${label}`, message: 'a select field needs options' });
      continue;
    }
    fields.push({ name: slug(label), label, type, required: raw.required !== false, ...(options ? { options } : {}), ...(typeof raw.help === 'string' ? { help: raw.help } : {}) });
  }
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) problems.push({ field: `extra_gated_fields.${f.label}`, message: 'two fields have the same name' });
    seen.add(f.name);
  }
  return { fields, problems };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks answers against the form. Every problem names its field; unknown answers are refused too. */
export function validateAnswers(fields: FormField[], answers: Record<string, unknown>, isCountryCode: (code: string) => boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(answers)) if (!known.has(key)) problems.push({ field: `fields.${key}`, message: 'is not a field of this form' });
  for (const field of fields) {
    const value = answers[field.name];
    const at = `fields.${field.name}`;
    const empty = value === undefined || value === null || value === '' || value === false || (Array.isArray(value) && value.length === 0);
    if (empty) {
      if (field.required) problems.push({ field: at, message: field.type === 'checkbox' ? `"${field.label}" must be checked` : `"${field.label}" is required` });
      continue;
    }
    const problem = checkValue(field, value, isCountryCode);
    if (problem) problems.push({ field: at, message: `"${field.label}" ${problem}` });
  }
  return problems;
}

function checkValue(field: FormField, value: unknown, isCountryCode: (code: string) => boolean): string | null {
  switch (field.type) {
    case 'checkbox':
      return value === true ? null : 'must be true or false';
    case 'multi-select':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'must be a list of options';
      return value.every((v) => field.options!.includes(v)) ? null : `must be among: ${field.options!.join(', ')}`;
    default: {
      if (typeof value !== 'string') return 'must be text';
      if (value.length > (field.type === 'long-text' ? 20_000 : 1000)) return 'is too long';
      if (field.type === 'select') return field.options!.includes(value) ? null : `must be one of: ${field.options!.join(', ')}`;
      if (field.type === 'email') return EMAIL.test(value) ? null : 'must be an email address';
      if (field.type === 'country') return isCountryCode(value) ? null : 'must be an ISO 3166 country code such as DE or KE';
      if (field.type === 'date') return DATE.test(value) && !Number.isNaN(Date.parse(value)) ? null : 'must be a date as YYYY-MM-DD';
      if (field.type === 'url') {
        try {
          const url = new URL(value);
          return url.protocol === 'https:' || url.protocol === 'http:' ? null : 'must be an http(s) address';
        } catch {
          return 'must be an http(s) address';
        }
      }
      return null;
    }
  }
}
