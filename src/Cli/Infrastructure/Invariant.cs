using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Convotron.Cli.Infrastructure;

/// <summary>Culture-invariant number formatting and CSV helpers.</summary>
internal static class Invariant
{
    /// <summary>Round-trip format ("R"), invariant culture: what every CSV number uses.</summary>
    public static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string R(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Short human format for tables: 3 significant digits in scientific notation.</summary>
    public static string E3(double value) => double.IsFinite(value) ? value.ToString("0.000E+00", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    public static string F(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Csv(IEnumerable<string> fields) => string.Join(',', fields.Select(Escape));

    public static string Escape(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>The largest value, NaN counting as the worst.</summary>
    public static double Worst(IReadOnlyList<double> values) =>
        values.Any(double.IsNaN) ? double.NaN : values.Max();

    public static string Lines(IEnumerable<string> lines)
    {
        var text = new StringBuilder();
        foreach (string line in lines)
            text.Append(line).Append('\n');
        return text.ToString();
    }
}
