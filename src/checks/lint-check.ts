import type { FindingCode } from '../codes/registry.js';
import type { Finding } from '../report/types.js';
import type { ConfigKind, ConfigView } from '../sources/files/config-view.js';

/**
 * An offline check over configuration documents. Pure: it reads the views and returns
 * findings; it may only emit the codes it declares (a test holds it to that).
 */
export interface LintCheck {
  id: string;
  codes: readonly FindingCode[];
  /** which document kinds it judges; cross-document checks look at `all` */
  appliesTo: readonly ConfigKind[];
  run(view: ConfigView, all: readonly ConfigView[]): Finding[];
}
