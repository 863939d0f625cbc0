import type { ChainLink, Finding, HopStatus, Report } from './types.js';

const COLOR: Record<HopStatus, { fill: string; stroke: string; text: string }> = {
  ok: { fill: '#e6f4ea', stroke: '#1e8e3e', text: '#0d652d' },
  broken: { fill: '#fce8e6', stroke: '#d93025', text: '#a50e0e' },
  degraded: { fill: '#fef7e0', stroke: '#f9ab00', text: '#8a5a00' },
  unknown: { fill: '#f1f3f4', stroke: '#9aa0a6', text: '#5f6368' },
};
const MARK: Record<HopStatus, string> = { ok: '✔', broken: '✘', degraded: '!', unknown: '?' };
const LABEL: Record<string, string> = {
  authentik: 'Authentik',
  oidc: 'OIDC',
  mapping: 'Mapping',
  mas: 'MAS',
  synapse: 'Synapse',
  client: 'Client',
  lifecycle: 'Lifecycle',
  platform: 'Platform',
};

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** The chain as a picture: six hops left to right, lifecycle and platform beneath. */
export function chainSvg(chain: ChainLink[], brokenLink: string | null): string {
  const main = chain.filter((l) => !['lifecycle', 'platform'].includes(l.hop));
  const side = chain.filter((l) => ['lifecycle', 'platform'].includes(l.hop));
  const w = 132;
  const h = 64;
  const gap = 36;
  const width = main.length * w + (main.length - 1) * gap + 20;
  const height = 200;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="The sign-in chain">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5f6368"/></marker></defs>',
  );
  const box = (link: ChainLink, x: number, y: number) => {
    const c = COLOR[link.status];
    const strong = link.hop === brokenLink;
    parts.push(
      `<g class="hop hop-${link.status}" data-hop="${link.hop}">`,
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="10" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${strong ? 4 : 2}"/>`,
      `<text x="${x + w / 2}" y="${y + 27}" text-anchor="middle" font-size="16" font-weight="600" fill="${c.text}">${MARK[link.status]} ${escapeHtml(LABEL[link.hop] ?? link.hop)}</text>`,
      `<text x="${x + w / 2}" y="${y + 48}" text-anchor="middle" font-size="12" fill="${c.text}">${escapeHtml(link.findings.length ? `${link.findings.length} finding${link.findings.length > 1 ? 's' : ''}` : link.status)}</text>`,
      '</g>',
    );
  };
  main.forEach((link, i) => {
    const x = 10 + i * (w + gap);
    box(link, x, 20);
    if (i < main.length - 1) {
      const broken = link.status === 'broken' || main[i + 1]!.status === 'broken';
      parts.push(
        `<line x1="${x + w + 2}" y1="52" x2="${x + w + gap - 4}" y2="52" stroke="${broken ? '#d93025' : '#5f6368'}" stroke-width="2" ${broken ? 'stroke-dasharray="5 4"' : ''} marker-end="url(#arrow)"/>`,
      );
    }
  });
  side.forEach((link, i) =>
    box(link, 10 + i * (w + gap) + (width - 20 - side.length * w - (side.length - 1) * gap) / 2, 120),
  );
  parts.push('</svg>');
  return parts.join('');
}

function findingHtml(f: Finding): string {
  const where = f.location ? `${f.location.file}:${f.location.line}:${f.location.column}` : f.subject;
  const evidence = f.evidence
    .map(
      (e) =>
        `<div class="evidence"><span class="src">${escapeHtml(e.source)}</span><pre>${escapeHtml(e.excerpt)}</pre></div>`,
    )
    .join('');
  const fix = f.fix
    ? `<div class="fix"><strong>Fix:</strong> ${escapeHtml(f.fix.summary)}${f.fix.docs ? ` <a href="${escapeHtml(f.fix.docs)}">docs</a>` : ''}${f.fix.repair ? ` <span class="repair">repair: ${escapeHtml(f.fix.repair)}</span>` : ''}${f.fix.snippet ? `<pre class="snippet">${escapeHtml(f.fix.snippet)}</pre>` : ''}</div>`
    : '';
  return `<article class="finding sev-${f.severity}" id="${escapeHtml(f.code)}">
<header><span class="sev">${f.severity}</span> <code>${escapeHtml(f.code)}</code> <span class="where">${escapeHtml(where)}</span></header>
<h3>${escapeHtml(f.title)}${f.consequenceOf ? ` <small>(follows from <a href="#${escapeHtml(f.consequenceOf)}">${escapeHtml(f.consequenceOf)}</a>)</small>` : ''}</h3>
<p>${escapeHtml(f.detail)}</p>${evidence}${fix}</article>`;
}

/** A self-contained page: no scripts, no external assets, safe to attach to an issue. */
export function renderHtml(report: Report): string {
  const sources = report.sources.length
    ? `<h2>Sources</h2><table><tr><th>source</th><th>status</th><th>ms</th><th></th></tr>${report.sources
        .map(
          (s) =>
            `<tr class="src-${s.status}"><td>${escapeHtml(s.name)}</td><td>${s.status}</td><td>${s.ms}</td><td>${escapeHtml(s.reason ?? '')}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ssochain: ${escapeHtml(report.verdict.summary)}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1080px;padding:0 1rem;color:#202124}
h1{font-size:1.4rem;margin:.2rem 0 1rem} .verdict{padding:.8rem 1rem;border-radius:8px;margin-bottom:1rem}
.verdict.bad{background:#fce8e6;color:#a50e0e} .verdict.good{background:#e6f4ea;color:#0d652d}
.chain{overflow-x:auto;margin:1rem 0 2rem} .finding{border:1px solid #dadce0;border-left:6px solid #9aa0a6;border-radius:8px;padding:.6rem 1rem;margin:1rem 0}
.sev-error{border-left-color:#d93025} .sev-warn{border-left-color:#f9ab00} .sev-info{border-left-color:#1a73e8}
.finding p{white-space:pre-line} .finding h3{font-size:1.05rem;margin:.3rem 0} .sev{text-transform:uppercase;font-size:.75rem;font-weight:700} .where{color:#5f6368;font-size:.85rem}
pre{background:#f8f9fa;border-radius:6px;padding:.5rem .7rem;overflow-x:auto;font-size:.85rem;margin:.3rem 0}
.evidence .src{font-size:.75rem;color:#5f6368} .fix{margin-top:.5rem} .repair{font-size:.8rem;color:#1a73e8;margin-left:.5rem}
table{border-collapse:collapse} td,th{border-bottom:1px solid #eee;padding:.2rem .8rem;text-align:left;font-size:.9rem}
footer{color:#5f6368;font-size:.8rem;margin-top:2rem}
</style></head><body>
<h1>ssochain report</h1>
<div class="verdict ${report.verdict.ok ? 'good' : 'bad'}"><strong>${escapeHtml(report.verdict.summary)}</strong></div>
<div class="chain">${chainSvg(report.chain, report.verdict.brokenLink)}</div>
<h2>Findings (${report.findings.length})</h2>
${report.findings.map(findingHtml).join('\n') || '<p>No findings.</p>'}
${sources}
<footer>ssochain ${escapeHtml(report.tool.version)} · secrets are never included in this report</footer>
</body></html>
`;
}
