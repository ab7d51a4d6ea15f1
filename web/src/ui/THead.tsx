// A table's header row: column names as <th scope="col"> (an empty name for
// a column of buttons).
export function THead(props: { cols: string[] }) {
  return (
    <thead>
      <tr>
        {props.cols.map((c, i) => (
          <th key={i} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
