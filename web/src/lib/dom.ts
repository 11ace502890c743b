// Tiny DOM helpers: build elements with text (never innerHTML, so names and prompts from other
// people can never become markup).

export function $(selector: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`page is missing ${selector}`);
  return el;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; text?: string; attrs?: Record<string, string> } = {},
  children: Array<Node | string> = [],
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

export function queryParam(name: string): string | undefined {
  const v = new URLSearchParams(window.location.search).get(name);
  return v === null || v === '' ? undefined : v;
}

export function randomBytes(bytes: Uint8Array): Uint8Array {
  // getRandomValues works on plain http too (randomUUID needs a secure context; phones on a LAN do not have one).
  return crypto.getRandomValues(bytes);
}

export function reducedMotion(): boolean {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** Writes a message to a live region and marks it as an error or not. */
export function say(el: HTMLElement, message: string, kind: 'info' | 'error' | 'ok' = 'info'): void {
  el.textContent = message;
  el.dataset.kind = kind;
}

/**
 * Takes over a form's submit, then enables its submit buttons. The pages ship those buttons
 * disabled: pressed before the script has loaded the page's config, the browser would submit the
 * form itself and reload the page, dropping what was typed.
 */
export function onSubmit(form: HTMLElement, handler: () => void): void {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    handler();
  });
  for (const button of form.querySelectorAll<HTMLButtonElement>('button[type="submit"]')) button.disabled = false;
}
