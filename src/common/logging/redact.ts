/**
 * Last line of defence against secrets in logs: whatever a message says, a bearer token, a JWT,
 * a password inside a URL or one of the configured secrets never reaches the output.
 */
const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, '$1 [REDACTED]'],
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[REDACTED JWT]'],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s"]*):[^@\s"]*@/gi, '$1:[REDACTED]@'],
];

/** Shorter configured secrets (an empty or toy password) would blank out ordinary words. */
const MIN_SECRET_LENGTH = 8;

export class SecretRedactor {
  private readonly secrets: string[];

  constructor(secrets: readonly string[]) {
    // Log lines are JSON, so a secret appears there in its JSON-escaped form.
    this.secrets = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).map((s) => JSON.stringify(s).slice(1, -1));
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.split(secret).join('[REDACTED]');
    for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
    return result;
  }
}
