// The few sql.js calls the SQL fencing test makes (sql.js ships no types).
declare module 'sql.js' {
  interface Statement {
    run(params?: unknown[]): void;
  }
  interface Database {
    run(sql: string, params?: unknown[]): Database;
    exec(sql: string): Array<{ columns: string[]; values: unknown[][] }>;
    getRowsModified(): number;
    close(): void;
  }
  interface SqlJsStatic {
    Database: new () => Database;
  }
  export default function initSqlJs(): Promise<SqlJsStatic>;
}
