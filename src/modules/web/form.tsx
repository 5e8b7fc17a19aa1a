import type { AppError } from '../../lib/errors.ts';
import { fieldMessage } from './web.support.ts';

export interface FormState {
  /** What the visitor typed, shown again after an error. Never holds a password. */
  values?: Record<string, string>;
  error?: AppError;
}

/** A labelled input whose error, if the use case blamed this field, is shown right under it. */
export function Field(props: { label: string; name: string; type?: string; state: FormState; autocomplete?: string; required?: boolean; hint?: string; min?: string }) {
  const { label, name, type = 'text', state } = props;
  const error = state.error?.field === name ? fieldMessage(state.error) : null;
  const errorId = `${name}-error`;
  return (
    <label class={error ? 'field invalid' : 'field'}>
      <span>{label}</span>
      <input
        type={type}
        name={name}
        id={name}
        value={type === 'password' ? undefined : state.values?.[name] ?? ''}
        autocomplete={props.autocomplete}
        required={props.required}
        min={props.min}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? errorId : undefined}
      />
      {props.hint ? <small class="muted">{props.hint}</small> : null}
      {error ? <small class="field-error" id={errorId}>{error}</small> : null}
    </label>
  );
}

/** An error that no field of this form owns (a blocked account, too many attempts). */
export function FormError({ state, fields }: { state: FormState; fields: string[] }) {
  const error = state.error;
  if (!error || (error.field && fields.includes(error.field))) return null;
  return <p class="notice error" role="alert">{fieldMessage(error)}</p>;
}
