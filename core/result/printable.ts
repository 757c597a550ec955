// Text from a target, made safe to print: no control character reaches a terminal, a page, the API or a log.

/**
 * C0 controls but tab, DEL and C1 controls. ESC starts terminal escape sequences (clear the screen, set the
 * title, move the cursor), CR and LF forge lines, and C1's CSI (U+009B) is ESC [ on some terminals.
 */
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
/** The same class without the global flag: `test` on a global pattern keeps state between calls. */
const HAS_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r" };

/** A control character as visible text: `\n`, `\r`, or `\xNN` (ESC is `\x1b`). */
function visible(char: string): string {
  return NAMED[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/** A text with every control character (tab excepted) replaced by its visible escape. */
export function escapeControls(text: string): string {
  return HAS_CONTROL.test(text) ? text.replace(CONTROLS, visible) : text;
}

/**
 * A value with `escapeControls` applied to every string in it (object keys included). Parts with nothing to escape
 * are returned as they are, not copied: a clean result (nearly every one) costs one walk and no allocation.
 */
export function printable<T>(value: T): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") return escapeControls(node);
    if (Array.isArray(node)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < node.length; i++) {
        const next = walk(node[i]);
        if (next !== node[i]) (copy ??= [...node])[i] = next;
      }
      return copy ?? node;
    }
    if (node !== null && typeof node === "object") {
      let changed = false;
      const entries = Object.entries(node).map(([key, child]) => {
        const next: [string, unknown] = [escapeControls(key), walk(child)];
        if (next[0] !== key || next[1] !== child) changed = true;
        return next;
      });
      return changed ? Object.fromEntries(entries) : node;
    }
    return node;
  };
  return walk(value) as T;
}
