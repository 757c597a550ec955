// The page's one small script, progressive: the page works without it (UTC times; a <noscript> refresh).
//
// With it, every time also shows in the visitor's zone, and unless `?refresh=0` paused it, the page fetches itself
// every `data-refresh` seconds and swaps only the parts that changed, in place: scroll, focus and the open day
// stay as they were, and the banner (a live region) is announced only when its words change. Each round ends with a
// "status-refreshed" event on the document.
export const REFRESH_SCRIPT = `(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  const local = () => {
    if (!zone || /^(UTC|GMT|Etc\\/(UTC|GMT|UCT|Universal|Zulu))$/.test(zone)) return;
    for (const time of document.querySelectorAll("time[datetime]")) {
      if (time.nextElementSibling && time.nextElementSibling.className === "local") continue;
      const span = document.createElement("span");
      span.className = "local";
      span.textContent = " (" + format.format(new Date(time.dateTime)) + ")";
      time.after(span);
    }
  };
  const parts = ["updated", "banner", "main"];
  const last = {};
  for (const id of parts) last[id] = document.getElementById(id)?.innerHTML;
  local();
  const every = Number(document.body.dataset.refresh) * 1000;
  if (!(every > 0)) return;
  const focusables = () => [...document.querySelectorAll("a[href],summary")];
  const tick = async () => {
    try {
      const response = await fetch(location.href, { headers: { accept: "text/html" }, cache: "no-cache" });
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        const active = document.activeElement;
        const focused = focusables().indexOf(active);
        const open = [...document.querySelectorAll("details")].map((details) => details.open);
        const { scrollX, scrollY } = window;
        for (const id of parts) {
          const next = fresh.getElementById(id)?.innerHTML;
          const here = document.getElementById(id);
          if (next === undefined || !here || next === last[id]) continue;
          last[id] = next;
          here.innerHTML = next;
        }
        document.querySelectorAll("details").forEach((details, i) => { if (open[i] && !details.open) details.open = true; });
        if (focused >= 0 && !active.isConnected) focusables()[focused]?.focus({ preventScroll: true });
        // Replacing a section can move the browser's scroll anchor: put the visitor back where they were.
        if (window.scrollX !== scrollX || window.scrollY !== scrollY) window.scrollTo(scrollX, scrollY);
        local();
      }
    } catch {}
    document.dispatchEvent(new Event("status-refreshed"));
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
})();`;
