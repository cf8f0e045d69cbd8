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
    public static Table Read(string path)
    {
        string text;
        try
        {
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
        return Parse(path, text);
    }

    internal static Table Parse(string path, string text)
    {
        if (text.Length > 0 && text[0] == '\uFEFF')
            text = text[1..];
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
            throw new InvalidFileException(path, Location(rows[firstData].Line, 1), $"the header has {header.Count} columns but this row has {columns}.");
        if (columns < 2)
            throw new InvalidFileException(path, Location(rows[firstData].Line, 1), "a row needs at least 2 columns: inputs and a label.");
        var values = new double[(rows.Count - firstData) * columns];
        int at = 0;
        for (int r = firstData; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Fields.Count != columns)
                throw new InvalidFileException(path, Location(row.Line, Math.Min(row.Fields.Count, columns) + 1),
                    $"expected {columns} columns (as in line {rows[firstData].Line}) but found {row.Fields.Count}.");
            foreach (var field in row.Fields)
            {
                string t = field.Text.Trim();
                if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new InvalidFileException(path, Location(row.Line, field.Column), $"'{t}' is not a number{ColumnName(header, field.Index)}.");
                if (!double.IsFinite(v))
                    throw new InvalidFileException(path, Location(row.Line, field.Column), $"'{t}' is not a finite number{ColumnName(header, field.Index)}.");
                values[at++] = v;
            }
        }
        return new Table(path, header, columns, values);
    }

    private static string ColumnName(List<string>? header, int index) =>
        header is null ? string.Create(CultureInfo.InvariantCulture, $" (field {index + 1})") : $" (column '{header[index]}')";

    private static string Location(int line, int column) => string.Create(CultureInfo.InvariantCulture, $"{line}:{column}");

    private static bool IsNumber(string field) =>
        double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private readonly record struct Field(string Text, int Column, int Index);

    private sealed record Row(int Line, List<Field> Fields);

    /// <summary>Splits into rows of fields, tracking 1-based line and column (in characters) of each field's start.</summary>
    private static List<Row> ReadRows(string path, string text)
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
                if (i < text.Length)
                    throw new InvalidFileException(path, Location(rowLine, 1), "empty line inside the data.");
                continue;
            }
            rows.Add(new Row(rowLine, fields));
        }
        return rows;
    }
}
