using WorkingPoint.Core;

namespace WorkingPoint.Evaluation.Published;

/// <summary>A record of an RFC 4180 file: its fields and the line it starts on (1-based, for messages).</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// RFC 4180 reading: comma-separated fields, a field in double quotes may hold commas, line breaks and doubled quotes; CRLF or
/// LF line ends; empty lines are skipped. A malformed quote is an <see cref="InvalidInputException"/> naming file:line.
/// </summary>
public static class CsvText
{
    public static IReadOnlyList<CsvRecord> Parse(string text, string fileName)
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false;
        var fieldWasQuoted = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                        continue;
                    }

                    quoted = false;
                    i++;
                    if (i < text.Length && text[i] is not (',' or '\r' or '\n'))
                    {
                        throw new InvalidInputException($"{fileName}:{line}: text after a closing quote; quote the whole field and double any quote inside it (\"\").");
                    }

                    continue;
                }

                if (c == '\n')
                {
                    line++;
                }

                field.Append(c);
                i++;
                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0 && !fieldWasQuoted:
                    quoted = true;
                    fieldWasQuoted = true;
                    i++;
                    break;
                case '"':
                    throw new InvalidInputException($"{fileName}:{line}: a quote inside an unquoted field; quote the whole field and double the quote (\"\").");
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldWasQuoted = false;
                    i++;
                    break;
                case '\r' or '\n':
                    EndRecord();
                    i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    i++;
                    break;
            }
        }

        if (quoted)
        {
            throw new InvalidInputException($"{fileName}:{recordLine}: a quoted field is never closed; add the closing quote.");
        }

        EndRecord();
        return records;

        void EndRecord()
        {
            fields.Add(field.ToString());
            field.Clear();
            fieldWasQuoted = false;
            // An empty line (one empty field) is no record.
            if (fields is not [""])
            {
                records.Add(new CsvRecord(recordLine, fields.ToArray()));
            }

            fields.Clear();
        }
    }
}
