import type { LintCheck } from '../lint-check.js';
import { masSynapseLink } from './mas-link.js';
import { masSection } from './mas-section.js';
import { msc3861Removed } from './msc3861-removed.js';
import { ssoWithMas } from './sso-with-mas.js';

export const synapseChecks: readonly LintCheck[] = [msc3861Removed, ssoWithMas, masSection, masSynapseLink];
