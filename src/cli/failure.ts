import { DatabaseConfig } from '../config/config';
import { isConnectionError } from '../database/database';

/**
 * The reason a command failed, fit for a terminal or a Job's log: the message only (no stack, no
 * SQL), and never the configured password, even if a driver were to echo its connection settings.
 */
export function describeFailure(error: unknown, database?: DatabaseConfig): string {
  const message = withoutSql(error instanceof Error ? error.message : String(error));
  const described = isConnectionError(error) ? `database unreachable: ${message}` : message;
  if (database?.client !== 'mysql' || database.password === '') return described;
  return described.split(database.password).join('***');
}

/**
 * knex prefixes a failed query's message with the query and its values inlined ("insert into … -
 * too many terms"): megabytes for a batch insert, and imported data besides. The driver's own
 * message is what follows the last " - ".
 */
function withoutSql(message: string): string {
  if (!/^(insert|select|update|delete|create|alter|drop|with|pragma)\s/i.test(message)) return message;
  return message.slice(message.lastIndexOf(' - ') + ' - '.length);
}
