using System;
using System.Text.RegularExpressions;

namespace Convotron.Cli.Infrastructure;

/// <summary>Exception messages in the user's words: without the .NET parameter-name and actual-value suffixes.</summary>
internal static partial class UserText
{
    /// <summary>The message of <paramref name="e"/> without " (Parameter 'x')" and "Actual value was …" (which name code, not options).</summary>
    public static string Of(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException argument && argument.ParamName is { } name)
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        int actual = message.IndexOf("Actual value was", StringComparison.Ordinal);
        if (actual >= 0)
            message = message[..actual];
        return message.Trim();
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (option|command) '(?<option>[^']*)' as expected type '(?<type>[^']*)'\.?$")]
    private static partial Regex ParseFailure();

    /// <summary>System.CommandLine's "Cannot parse argument … as expected type 'System.UInt64'" in the user's words; a whole-number option's own range (<see cref="Parsing.Range"/>) when it has one.</summary>
    public static string ParseError(string message, System.CommandLine.Symbol? symbol = null)
    {
        Match m = ParseFailure().Match(message);
        if (!m.Success)
            return message;
        if (symbol is not null && Parsing.RangeOf(symbol) is { } range)
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not allowed; expected a whole number from {range.Minimum} to {range.Maximum}.");
        string expected = m.Groups["type"].Value switch
        {
            "System.UInt64" => "a whole number from 0 to 18446744073709551615",
            "System.Int32" => "a whole number from -2147483648 to 2147483647",
            "System.Int64" => "a whole number",
            "System.Double" => "a number such as 0.5 or 1e-3",
            "System.Boolean" => "true or false",
            _ => "a value of the documented form",
        };
        if (m.Groups["type"].Value.StartsWith("System.Nullable`1[[System.Int64", StringComparison.Ordinal))
            expected = "a whole number";
        return $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not allowed; expected {expected}.";
    }
}
