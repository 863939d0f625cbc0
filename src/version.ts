// Kept in step with package.json by a test; read without importing the JSON so startup stays cheap.
export const VERSION = '0.1.0';
