import {
  buildContext,
  renderTemplate as render,
  type AttributeMappingContext,
} from '../../knowledge/mas-templates.js';
import { MasError } from './errors.js';

export { buildContext, type AttributeMappingContext };

/** MAS's template rendering, with errors as the emulator's MasError. */
export function renderTemplate(
  template: string,
  context: Record<string, unknown>,
): { ok: true; value: string } | { ok: false; error: MasError } {
  const result = render(template, context);
  return result.ok ? result : { ok: false, error: new MasError(result.error) };
}
