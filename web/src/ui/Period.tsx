// A period of whole days for the oversight routes (?from=&to=; the server
// counts `to` out): its state, the last 30 days with today by default, and its
// two date fields.
import { useState } from "preact/hooks";
import { isoDay } from "../format";

export interface Period {
  from: string;
  to: string;
  setFrom: (d: string) => void;
  setTo: (d: string) => void;
}

export function usePeriod(): Period {
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 30 * 864e5)));
  const [to, setTo] = useState(isoDay(new Date(today.getTime() + 864e5)));
  return { from, to, setFrom, setTo };
}

export function PeriodFields(props: { period: Period }) {
  const p = props.period;
  return (
    <>
      <label>
        From <input type="date" value={p.from} onChange={(e) => p.setFrom((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Until (not included) <input type="date" value={p.to} onChange={(e) => p.setTo((e.target as HTMLInputElement).value)} />
      </label>
    </>
  );
}
