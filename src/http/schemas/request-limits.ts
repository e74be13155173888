// The caps the request schemas are built with (prompt size, plan size, body size, list size):
// ServerOptions.limits (`serve --max-prompt-chars`, ...) overrides the defaults.

export interface RequestLimits {
  /** Characters allowed in a prompt (and in a plan's prompt and each description). Default 100,000. */
  promptMaxChars: number;
  /** Subtasks allowed in a plan. Default 500. */
  planMaxSubtasks: number;
  /** Bytes allowed in a request body; more gets 413. Default 1 MiB. */
  bodyLimitBytes: number;
  /** Largest `limit` of GET /tasks. Default 200. */
  listMaxLimit: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  promptMaxChars: 100_000,
  planMaxSubtasks: 500,
  bodyLimitBytes: 1024 * 1024,
  listMaxLimit: 200,
};
