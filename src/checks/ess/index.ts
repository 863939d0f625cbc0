import type { LintCheck } from '../lint-check.js';
import { essMasPlacement } from './mas-placement.js';

export const essChecks: readonly LintCheck[] = [essMasPlacement];
