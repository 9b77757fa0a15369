/** The optional bandwidth limit of one transfer, typed as people write rates (`50MiB`); empty = none. */
import { t } from '../i18n/strings';
import { parseRate } from '../utils/format';
import { TextField } from './TextField';

/** What to send as `limit_rate`: bytes/s, or null for no limit of its own (undefined: not a rate). */
export function limitRateOf(text: string): number | null | undefined {
  const rate = parseRate(text);
  return rate === null ? undefined : rate || null;
}

export function RateLimitField({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <TextField
      id={id}
      label={t.transfers.limitRate}
      value={value}
      onChange={onChange}
      placeholder={t.transfers.unlimited}
      problem={limitRateOf(value) === undefined ? t.settings.invalidRate : null}
      help={t.transfers.limitRateHelp}
    />
  );
}
