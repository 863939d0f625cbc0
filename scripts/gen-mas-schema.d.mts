// Types for scripts/gen-mas-schema.mjs, so the freshness test can import it from TypeScript.
export declare const REPO_ROOT: string;
export declare const DEFAULT_SPEC_PATH: string;
export declare const OUTPUT_PATH: string;
export declare function distilMasSchema(schema: Record<string, unknown>): Record<string, unknown>;
export declare function renderMasSchemaModule(specText: string): string;
export declare function formatModule(source: string): Promise<string>;
export declare function generateMasSchemaModule(specPath?: string): Promise<string>;
