using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Convotron.Cli.Data;

/// <summary>
/// A strict reader of numeric CSV (RFC 4180 quoting, comma separator, invariant culture). The first
/// row is a header when any of its fields is not a number. Every other row must have the header's
/// column count and finite numbers only; errors name the file, line and column.
/// </summary>
internal static class CsvReader
{
    /// <summary>The largest CSV file read, in characters (the whole text is held as one string).</summary>
    public const long MaxChars = 1_000_000_000;

    /// <summary>Memory the reader needs per byte of file, at most: the text (2 bytes a character) and each field as a string until it is parsed.</summary>
    public const double BytesPerFileByte = 12.0;

    public static Table Read(string path) => Parse(path, ReadText(path));

    /// <summary>The whole file as UTF-8 text (at most <see cref="MaxChars"/> bytes); failures are <see cref="InvalidFileException"/>s naming the file.</summary>
    internal static string ReadText(string path)
    {
        string text;
        try
        {
            long length = new FileInfo(path).Length;
            if (length > MaxChars)
                throw new InvalidFileException(path, "", string.Create(CultureInfo.InvariantCulture, $"the file has {length:N0} bytes; CSV files up to {MaxChars:N0} bytes are read (save larger data as .npy, float64)."));
            text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidFileException(path, "", "not valid UTF-8 text.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidFileException(path, "", "cannot be read: " + e.Message, e);
        }
        return text;
    }

    internal static Table Parse(string path, string text)
    {
        if (text.Length > 0 && text[0] == '\uFEFF')
            text = text[1..];
        string hint = SeparatorHint(text);
        var rows = ReadRows(path, text);
        if (rows.Count == 0)
            throw new InvalidFileException(path, "1", "the file is empty; expected rows of numbers (optionally after a header row).");
        List<string>? header = null;
        int firstData = 0;
        if (!rows[0].Fields.TrueForAll(f => IsNumber(f.Text)))
        {
            header = rows[0].Fields.ConvertAll(f => f.Text.Trim());
            firstData = 1;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var field in rows[0].Fields)
            {
                if (!seen.Add(field.Text.Trim()))
                    throw new InvalidFileException(path, Location(rows[0].Line, field.Column), $"the header names column '{field.Text.Trim()}' twice.");
            }
        }
        if (rows.Count == firstData)
            throw new InvalidFileException(path, Location(rows[0].Line + 1, 1), "the file has a header but no data rows.");
        int columns = rows[firstData].Fields.Count;
        if (header is not null && header.Count != columns)
            throw new InvalidFileException(path, Location(rows[firstData].Line, 1), $"the header has {header.Count} columns but this row has {columns}.{hint}");
        if (columns < 2)
            throw new InvalidFileException(path, Location(rows[firstData].Line, 1), "a row needs at least 2 columns: inputs and a label." + hint);
        var values = new double[(rows.Count - firstData) * columns];
        int at = 0;
        for (int r = firstData; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Fields.Count != columns)
                throw new InvalidFileException(path, Location(row.Line, Math.Min(row.Fields.Count, columns) + 1),
                    $"expected {columns} columns (as in line {rows[firstData].Line}) but found {row.Fields.Count}.{hint}");
            foreach (var field in row.Fields)
            {
                string t = field.Text.Trim();
                if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new InvalidFileException(path, Location(row.Line, field.Column), $"'{t}' is not a number{ColumnName(header, field.Index)}.{hint}");
                if (!double.IsFinite(v))
                    throw new InvalidFileException(path, Location(row.Line, field.Column), $"'{t}' is not a finite number{ColumnName(header, field.Index)}.");
                values[at++] = v;
            }
        }
        return new Table(path, header, columns, values);
    }

    /// <summary>
    /// A hint for files written with another locale's conventions: ';' between fields, or a decimal
    /// comma inside quotes ("1,5"); empty for a plain comma-separated file.
    /// </summary>
    internal static string SeparatorHint(string text)
    {
        ReadOnlySpan<char> head = text.AsSpan(0, Math.Min(text.Length, 1 << 16));
        if (head.Contains(';'))
            return " The file seems to use ';' between fields (and perhaps a decimal comma): convotron reads comma-separated values with '.' as the decimal point, e.g. 1.5,-0.25,3; convert it (or save it as CSV with a '.' decimal point).";
        if (DecimalComma(head))
            return " The file seems to use a decimal comma (\"1,5\"): convotron reads numbers with '.' as the decimal point, e.g. 1.5.";
        return "";
    }

    private static bool DecimalComma(ReadOnlySpan<char> text)
    {
        // A quoted field of digits with one comma between digits: "1,5" or "-0,25".
        for (int i = 0; i + 4 < text.Length; i++)
        {
            if (text[i] != '"')
                continue;
            int j = i + 1;
            if (j < text.Length && text[j] == '-')
                j++;
            int digits = 0;
            while (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                j++;
                digits++;
            }
            if (digits == 0 || j >= text.Length || text[j] != ',')
                continue;
            j++;
            int after = 0;
            while (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                j++;
                after++;
            }
            if (after > 0 && j < text.Length && text[j] == '"')
                return true;
        }
        return false;
    }

    private static string ColumnName(List<string>? header, int index) =>
        header is null ? string.Create(CultureInfo.InvariantCulture, $" (field {index + 1})") : $" (column '{header[index]}')";

    internal static string Location(int line, int column) => string.Create(CultureInfo.InvariantCulture, $"{line}:{column}");

    private static bool IsNumber(string field) =>
        double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    internal readonly record struct Field(string Text, int Column, int Index);

    internal sealed record Row(int Line, List<Field> Fields);

    /// <summary>Splits into rows of fields, tracking 1-based line and column (in characters) of each field's start.</summary>
    internal static List<Row> ReadRows(string path, string text)
    {
        var rows = new List<Row>();
        int i = 0, line = 1;
        while (i < text.Length)
        {
            int rowLine = line, lineStart = i;
            var fields = new List<Field>();
            var current = new StringBuilder();
            bool endOfRow = false;
            while (!endOfRow)
            {
                int column = i - lineStart + 1;
                current.Clear();
                if (i < text.Length && text[i] == '"')
                {
                    i++;
                    while (true)
                    {
                        if (i >= text.Length)
                            throw new InvalidFileException(path, Location(rowLine, column), "a quoted field is not closed.");
                        char c = text[i++];
                        if (c == '"')
                        {
                            if (i < text.Length && text[i] == '"')
                            {
                                current.Append('"');
                                i++;
                                continue;
                            }
                            break;
                        }
                        if (c == '\n')
                        {
                            line++;
                            lineStart = i;
                        }
                        current.Append(c);
                    }
                    if (i < text.Length && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
                        throw new InvalidFileException(path, Location(line, i - lineStart + 1), "unexpected text after a closing quote.");
                }
                else
                {
                    while (i < text.Length && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
                        current.Append(text[i++]);
                }
                fields.Add(new Field(current.ToString(), column, fields.Count));
                if (i < text.Length && text[i] == ',')
                {
                    i++;
                    continue;
                }
                if (i < text.Length && text[i] == '\r')
                    i++;
                if (i < text.Length && text[i] == '\n')
                    i++;
                line++;
                endOfRow = true;
            }
            if (fields.Count == 1 && fields[0].Text.Trim().Length == 0)
            {
                // Blank lines at the end of the file are what editors leave; inside the data they are an error.
                if (i < text.Length && !text.AsSpan(i).IsWhiteSpace())
                    throw new InvalidFileException(path, Location(rowLine, 1), "empty line inside the data.");
                continue;
            }
            rows.Add(new Row(rowLine, fields));
        }
        return rows;
    }
}
