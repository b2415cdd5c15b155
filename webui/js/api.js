// fetch wrapper for /api/v1: adds the bearer token, sends JSON, turns error bodies into ApiError.

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || (status ? 'HTTP ' + status : 'network error'));
    this.status = status; // 0 = the daemon could not be reached
    this.code = e.code || (status ? 'http_' + status : 'network');
    this.fields = e.fields || {};
    this.fieldCodes = e.field_codes || {};
  }
}

export function createApi(token, { onUnauthorized } = {}) {
  async function request(method, path, body) {
    const headers = { Authorization: 'Bearer ' + token, Accept: 'application/json' };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch('/api/v1' + path, init);
    } catch {
      throw new ApiError(0, null);
    }
    const text = await response.text().catch(() => '');
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const err = new ApiError(response.status, data);
      if (response.status === 401 && onUnauthorized) onUnauthorized(err);
      throw err;
    }
    return data;
  }

  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    patch: (path, body) => request('PATCH', path, body),
    del: (path) => request('DELETE', path),
  };
}
