using System;
using System.Collections.Generic;
using System.IO;

namespace Convotron.Cli.Data;

/// <summary>A numeric matrix read from a file: n rows of <see cref="Columns"/> finite values, with optional column names.</summary>
internal sealed class Table(string path, IReadOnlyList<string>? header, int columns, double[] values)
{
    public string Path { get; } = path;

    /// <summary>Column names, or null when the file had no header.</summary>
    public IReadOnlyList<string>? Header { get; } = header;

    public int Columns { get; } = columns;

    public int Rows => values.Length / Columns;

    /// <summary>Row-major values.</summary>
    public ReadOnlySpan<double> Values => values;

    public ReadOnlySpan<double> Row(int n) => values.AsSpan(n * Columns, Columns);

    /// <summary>
    /// The table's own array, for a caller that reorders it in place instead of copying it; the
    /// table's rows must not be read afterwards (path, header and shape stay valid).
    /// </summary>
    public double[] ReleaseValues() => values;

    /// <summary>Reads a .npy file when the name ends in .npy, otherwise CSV.</summary>
    public static Table Read(string path) =>
        path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? NpyReader.Read(path) : CsvReader.Read(path);

    /// <summary>The most memory reading <paramref name="path"/> needs (0 when it cannot be opened; reading will report that).</summary>
    public static double ReadBytes(string path) =>
        path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? FileBytes(path) : CsvReader.BytesPerFileByte * FileBytes(path);

    /// <summary>Roughly the bytes of the values in <paramref name="path"/>: 8 per number (a CSV number with its separator takes about 8 characters).</summary>
    public static double ValueBytes(string path) => FileBytes(path);

    /// <summary>The number of fields in the first line of a CSV file without quotes, or null (no such file, .npy, quoted fields).</summary>
    public static int? PeekColumns(string path)
    {
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) || !File.Exists(path))
            return null;
        try
        {
            using var reader = new StreamReader(path);
            var line = new System.Text.StringBuilder();
            int c;
            while ((c = reader.Read()) >= 0 && c != '\n' && c != '\r' && line.Length < 1 << 24)
                line.Append((char)c);
            string first = line.ToString();
            if (first.Length == 0 || first.Contains('"', StringComparison.Ordinal) || first.Contains(';', StringComparison.Ordinal) || c >= 0 && c != '\n' && c != '\r')
                return null;
            return first.Split(',').Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double FileBytes(string path)
    {
        try
        {
            return File.Exists(path) ? new FileInfo(path).Length : 0.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0.0;
        }
    }

    /// <summary>The label column: <paramref name="label"/> by name (needs a header), otherwise the last column.</summary>
    public int LabelColumn(string? label)
    {
        if (label is null)
            return Columns - 1;
        if (Header is null)
            throw new InvalidFileException(Path, "1", $"--label {label} needs a header row naming the columns, but the file has none.");
        for (int c = 0; c < Header.Count; c++)
        {
            if (Header[c] == label)
                return c;
        }
        throw new InvalidFileException(Path, "1", $"--label: no column is named '{label}'; the columns are {string.Join(", ", Header)}.");
    }
}
