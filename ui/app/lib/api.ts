/** The page's client of the JSON API. The token, when the URL carries one, goes on every call. */
import type { ArrayData } from '../../render/batch.ts';

const token = new URLSearchParams(location.search).get('token');

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return token ? { ...extra, 'X-Gradlens-Token': token } : extra;
}

/** A URL for links and downloads (which cannot send headers). */
export function apiUrl(path: string, query: Record<string, string | number> = {}): string {
  const [bare, own = ''] = path.split('?');
  const q = new URLSearchParams(own);
  for (const [k, v] of Object.entries(query)) q.set(k, String(v));
  if (token) q.set('token', token);
  const s = q.toString();
  return `/api${bare}${s ? `?${s}` : ''}`;
}

async function check(res: Response): Promise<Response> {
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).error ?? message;
    } catch {
      // not JSON
    }
    throw new Error(message);
  }
  return res;
}

export async function getJson<T>(path: string, query: Record<string, string | number> = {}): Promise<T> {
  return (await check(await fetch(apiUrl(path, query), { headers: headers() }))).json();
}

export async function deleteJson<T>(path: string): Promise<T> {
  return (await check(await fetch(apiUrl(path), { method: 'DELETE', headers: headers() }))).json();
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(apiUrl(path), {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(body),
  });
  return (await check(res)).json();
}

/** A float32 array endpoint with its shape (from the X-Shape header). */
export async function getArray(path: string): Promise<ArrayData> {
  const res = await check(await fetch(apiUrl(path), { headers: headers() }));
  const shape = (res.headers.get('x-shape') ?? '').split(',').filter(Boolean).map(Number);
  return { data: new Float32Array(await res.arrayBuffer()), shape };
}

export async function download(path: string, query: Record<string, string | number>, name: string): Promise<void> {
  const res = await check(await fetch(apiUrl(path, query), { headers: headers() }));
  saveBlob(await res.blob(), name);
}

export function saveBlob(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
