// Redaction toggles and patterns: applied at once to the graph and the table, and to every
// export. The summary says what they changed ("23 functions masked, 140 paths stripped").
import { useId, useState } from 'react';
import type { RedactionPreset, RedactionSettings } from '../../../core/api';
import { useStore } from '../store';
import { PRESET_SETTINGS, patternProblem, presetOf } from '../../../core/redaction';

type Toggle = keyof Omit<RedactionSettings, 'patterns'>;

const TOGGLES: readonly { key: Toggle; label: string; hint: string }[] = [
  { key: 'stripPaths', label: 'Strip paths', hint: 'Home, build and module-cache paths in names, files and mappings' },
  { key: 'shortenPackages', label: 'Shorten packages', hint: 'Keep the last segment of package and namespace paths' },
  { key: 'maskSensitive', label: 'Mask sensitive names', hint: 'auth, crypto, token, secret, password, key, session, payment… become fn:xxxxxx' },
  { key: 'hideKernel', label: 'Hide kernel frames', hint: 'Collapse kernel frames into one [kernel] frame' },
  { key: 'anonymizeProcesses', label: 'Anonymize processes', hint: 'Process names, pids and thread ids' },
  { key: 'structureOnly', label: 'Structure only', hint: 'Every name replaced: only the shape of the profile remains' },
];

const PRESET_NAMES: readonly RedactionPreset[] = ['none', 'paths', 'standard', 'strict', 'all'];

export function RedactionPanel({ summary, active }: { readonly summary: string; readonly active: boolean }) {
  const settings = useStore((s) => s.redaction);
  const setRedaction = useStore((s) => s.setRedaction);
  const [pattern, setPattern] = useState('');
  const [patternError, setPatternError] = useState('');
  const ids = useId();
  const preset = presetOf(settings);

  const addPattern = (): void => {
    const p = pattern.trim();
    if (!p) return;
    const problem = patternProblem(p);
    if (problem) {
      setPatternError(problem);
      return;
    }
    if (!settings.patterns.includes(p)) setRedaction({ ...settings, patterns: [...settings.patterns, p].slice(0, 64) });
    setPattern('');
    setPatternError('');
  };

  return (
    <section className="panel redaction" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Redaction</h2>
      <div className="segmented presets" role="group" aria-label="Redaction preset">
        {PRESET_NAMES.map((name) => (
          <button key={name} type="button" aria-pressed={preset === name} onClick={() => setRedaction({ ...PRESET_SETTINGS[name], patterns: name === 'none' ? [] : settings.patterns })}>
            {name}
          </button>
        ))}
      </div>
      <ul className="toggles">
        {TOGGLES.map((t) => (
          <li key={t.key}>
            <label title={t.hint}>
              <input
                type="checkbox"
                checked={settings[t.key]}
                disabled={t.key === 'maskSensitive' && settings.patterns.length > 0}
                onChange={(e) => setRedaction({ ...settings, [t.key]: e.target.checked })}
                data-testid={`redact-${t.key}`}
              />
              <span>{t.label}</span>
            </label>
            <span className="hint">{t.key === 'maskSensitive' && settings.patterns.length > 0 ? 'On while you have patterns below. ' : ''}{t.hint}</span>
          </li>
        ))}
      </ul>
      <form
        className="pattern-form"
        onSubmit={(e) => {
          e.preventDefault();
          addPattern();
        }}
      >
        <label htmlFor={`${ids}-pattern`}>Also mask names matching</label>
        <div className="row">
          <input
            id={`${ids}-pattern`}
            type="text"
            className="mono"
            placeholder="regular expression, e.g. ^billing_"
            value={pattern}
            maxLength={256}
            onChange={(e) => setPattern(e.target.value)}
            aria-invalid={patternError !== ''}
            aria-describedby={patternError ? `${ids}-pattern-error` : undefined}
            data-testid="redact-pattern"
          />
          <button type="submit" aria-label="Add pattern">Add</button>
        </div>
        {patternError ? (
          <p id={`${ids}-pattern-error`} className="field-error" role="alert">
            {patternError}
          </p>
        ) : null}
      </form>
      {settings.patterns.length > 0 ? (
        <ul className="patterns" aria-label="Your patterns">
          {settings.patterns.map((p) => (
            <li key={p}>
              <code>{p}</code>
              <button type="button" className="link" aria-label={`Remove pattern ${p}`} onClick={() => setRedaction({ ...settings, patterns: settings.patterns.filter((x) => x !== p) })}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <p className={`redaction-summary${active ? ' active' : ''}`} aria-live="polite" data-testid="redaction-summary">
        {summary}
      </p>
    </section>
  );
}
