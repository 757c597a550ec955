// The page's one inline stylesheet. Every colour meets 3:1 against the background (4.5:1 for text), light and dark.
export const CSS = `
:root{--up:#1a7f37;--degraded:#9a6700;--down:#cf222e;--unknown:#59636e;--maintenance:#0969da;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--empty:#6e7781}
@media (prefers-color-scheme:dark){:root{--up:#3fb950;--degraded:#d29922;--down:#f85149;--unknown:#9198a1;--maintenance:#58a6ff;--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--empty:#8b949e}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main,footer{max-width:60rem;margin:0 auto;padding:1rem}
header{padding-bottom:0}main{padding-top:0}main>section:first-child>h2{margin-top:1rem}footer{padding-bottom:2rem}
a{color:var(--maintenance)}
a:focus-visible,summary:focus-visible{outline:2px solid var(--fg);outline-offset:2px}
h1{font-size:1.5rem;margin:.25rem 0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:0}
.banner{padding:.75rem 1rem;border:2px solid currentColor;border-radius:.5rem;margin:.5rem 0}
.overall{font-size:1.2rem;font-weight:600;margin:0}
.banner ul{margin:.25rem 0 0;padding-left:1.25rem;color:var(--fg)}
.state-up{color:var(--up)}.state-degraded{color:var(--degraded)}.state-down{color:var(--down)}.state-unknown{color:var(--unknown)}.state-maintenance{color:var(--maintenance)}
.muted{color:var(--muted);font-size:.875rem}
.refresh{margin:0}
ul.probes,ul.regions,ul.incidents{list-style:none;margin:0;padding:0}
.probe{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.5rem 0}
.probe-head{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem;align-items:baseline}
.probe-state{font-weight:600;margin:0}
ul.regions{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.25rem 0;font-size:.875rem}
.dot{font-size:.75rem}
.facts{margin:.25rem 0;font-size:.875rem}
.note{margin:.25rem 0;font-size:.875rem;color:var(--fg)}
ul.slo{list-style:none;margin:.25rem 0;padding:0;font-size:.875rem}
.burn{font-weight:600}
.axis{display:flex;justify-content:space-between;margin:0}
.incident{border-left:4px solid currentColor;padding:.25rem .75rem;margin:.5rem 0}
.incident p{margin:0;color:var(--fg)}
.incident p.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--line)}
ol.days{list-style:none;margin:.5rem 0 .25rem;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(1.5rem,1fr));row-gap:.25rem;position:relative}
@media (min-width:50rem){ol.days{grid-template-columns:repeat(30,1fr)}}
.days summary{display:block;height:1.5rem;padding:0 2px;cursor:pointer;list-style:none}
.days summary::-webkit-details-marker{display:none}
.days summary span{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.days summary::before{display:flex;align-items:center;justify-content:center;height:100%;border:1px solid var(--up);border-radius:3px;background:var(--up);color:var(--bg);font-size:.8rem;font-weight:700;line-height:1;content:""/""}
.days .m summary::before{background:var(--degraded);border-color:var(--degraded);content:"!"/""}
.days .x summary::before{background:var(--down);border-color:var(--down);content:"✕"/""}
.days .w summary::before{background:var(--maintenance);border-color:var(--maintenance);content:"⚙"/""}
.days .n summary::before{background:none;border:1px dashed var(--empty)}
.days details[open] summary::before{box-shadow:0 0 0 2px var(--bg),0 0 0 4px var(--fg)}
.days details>div{position:absolute;left:0;right:0;top:100%;z-index:1;margin-top:.25rem;padding:.5rem .75rem;background:var(--bg);border:2px solid var(--fg);border-radius:.5rem;font-size:.875rem}
@media (forced-colors:active){.days details[name] summary::before{forced-color-adjust:none;background:CanvasText;border-color:CanvasText;color:Canvas}.days details.n[name] summary::before{background:none}}
@media (max-width:30rem){header,main,footer{padding:.75rem}.probe{padding:.5rem}}
`;
