// URLs llm-auth sends requests to. Pure.

/** The URL when the text is an absolute http: or https: URL with a host, else undefined. */
export function httpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The text without one trailing `/`. */
export const stripSlash = (url: string): string => (url.endsWith('/') ? url.slice(0, -1) : url);
