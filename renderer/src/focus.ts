// Keyboard focus must never fall to <body> when the focused control goes away (Start replaced by
// the live view, Stop replaced by the saved capture, a dialog closed, an inline confirmation):
// Chromium then moves focus to <body> and a keyboard user starts again from the top of the window.
import { useEffect } from 'react';

const FOCUSABLE = 'button, input, select, textarea, summary, a[href], [tabindex]:not([tabindex="-1"])';
/** Where to look for a neighbour, innermost first. */
const SCOPES = 'li, dialog, form, section';

function usable(e: Element | null): e is HTMLElement {
  return e instanceof HTMLElement && e.isConnected && !e.matches(':disabled') && e.closest('[inert]') === null && e.checkVisibility();
}

/** A control marked data-focus-fallback, else the first control. */
function firstIn(scope: Element): HTMLElement | null {
  const preferred = [...scope.querySelectorAll('[data-focus-fallback]')].find(usable);
  return preferred ?? [...scope.querySelectorAll(FOCUSABLE)].find(usable) ?? null;
}

/** The scopes around `e`, read while it is still in the page. */
function scopesOf(e: Element | null): Element[] {
  const out: Element[] = [];
  for (let s = e?.parentElement?.closest(SCOPES); s; s = s.parentElement?.closest(SCOPES)) out.push(s);
  return out;
}

/** Focuses a control of the innermost scope still in the page that has one, else of <main>, else <main>. */
function rescueFocus(scopes: readonly Element[]): void {
  if (document.activeElement && document.activeElement !== document.body) return;
  const main = document.getElementById('main');
  for (const scope of [...scopes, ...(main ? [main] : [])]) {
    const target = scope.isConnected ? firstIn(scope) : null;
    if (target) return target.focus();
  }
  main?.focus();
}

/** When focus is on <body> or still in `closing`: back to `opener` if it can take it, else a neighbour. */
export function restoreFocus(opener: Element | null, closing: Element): void {
  const active = document.activeElement;
  if (active && active !== document.body && !closing.contains(active)) return;
  if (usable(opener)) opener.focus();
  // Focus still in `closing` moves on by itself when it is removed (the focusout below).
  else if (!active || active === document.body) rescueFocus(scopesOf(opener));
}

/** App-wide: when the focused control is removed, disabled or hidden, focus a neighbour. */
export function useFocusRescue(): void {
  useEffect(() => {
    const onFocusOut = (e: FocusEvent): void => {
      if (e.relatedTarget !== null || !(e.target instanceof Element)) return;
      const lost = e.target;
      const scopes = scopesOf(lost);
      // After React has committed the change that took the focus away.
      setTimeout(() => {
        if (!usable(lost)) rescueFocus(scopes);
      }, 0);
    };
    document.addEventListener('focusout', onFocusOut);
    return () => document.removeEventListener('focusout', onFocusOut);
  }, []);
}
