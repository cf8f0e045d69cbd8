using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;

namespace Convotron.Cli.Infrastructure;

/// <summary>Parses option values into domain types; failures are <see cref="UsageException"/>s naming the option.</summary>
internal static class Parsing
{
    /// <summary>
    /// Parses a geometry after checking, from the text alone, that its patch tables fit in
    /// <paramref name="budget"/> (a geometry of d = 10⁸ would otherwise allocate gigabytes before
    /// any other check could run).
    /// </summary>
    /// <param name="option">The option, for messages.</param>
    /// <param name="text">The geometry text.</param>
    /// <param name="budget">The memory budget.</param>
    /// <param name="work">What the command will do with the geometry and what that needs, checked together with the tables.</param>
    public static PatchGeometry Geometry(string option, string text, MemoryBudget budget,
        (string What, Func<(double D, double R, double K), double> Bytes, string Remedy)? work = null)
    {
        if (Shape(text) is { } shape)
        {
            string what = work is { } w ? "the patch tables and " + w.What : "the patch tables";
            budget.Require(string.Create(CultureInfo.InvariantCulture, $"{option} {text.Trim()} (d = {shape.D:N0}, r = {shape.R:N0}, k = {shape.K:N0}): {what}"),
                GeometryBytes(shape) + (work?.Bytes(shape) ?? 0.0), work?.Remedy ?? "use a smaller input or a larger stride");
        }
        try
        {
            return PatchGeometry.Parse(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new UsageException($"{option}: '{text}' is not a valid geometry ({UserText.Of(e)}). Use 1d:r=R,s=S,d=D or 2d:rh=..,rw=..,sh=..,sw=..,height=..,width=.., optionally with ,channels=C (e.g. 1d:r=16,s=9,d=160).");
        }
    }

    /// <summary>The input size, the filter size (both times the channels) and k of a well-formed strided geometry text, without building it; null when the text is not one (then Parse reports why).</summary>
    public static (double D, double R, double K)? Shape(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return null;
        var values = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in text[(colon + 1)..].Split(','))
        {
            string[] kv = part.Split('=', StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || !long.TryParse(kv[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) || v < 1)
                return null;
            values[kv[0]] = v;
        }
        static double Count(long size, long filter, long stride) => filter <= size ? (size - filter) / stride + 1 : 0;
        string kind = text[..colon].Trim().ToLowerInvariant();
        // Channels multiply the input and the filter (channel-major layout), not the patch count.
        double c = values.TryGetValue("channels", out long channels) ? channels : 1;
        if (kind == "1d" && values.TryGetValue("r", out long r) && values.TryGetValue("s", out long s) && values.TryGetValue("d", out long d))
            return (c * d, c * r, Count(d, r, s));
        if (kind == "2d" && values.TryGetValue("rh", out long rh) && values.TryGetValue("rw", out long rw) && values.TryGetValue("sh", out long sh)
            && values.TryGetValue("sw", out long sw) && values.TryGetValue("height", out long height) && values.TryGetValue("width", out long width))
            return (c * height * width, c * rh * rw, Count(height, rh, sh) * Count(width, rw, sw));
        return null;
    }

    /// <summary>
    /// What building a geometry allocates: the flat k·r index table, per-coordinate tables of length
    /// d, and the patches' runs of consecutive indices (PatchRuns: 4 bytes a patch and 12 a run, at
    /// most one run per tap; left out before fuzzing found a 19-byte 1d:r=1,s=1,d=444544 allocating
    /// 44 MB where 7 MB were estimated).
    /// </summary>
    public static double GeometryBytes((double D, double R, double K) shape) => 16.0 * shape.K * shape.R + 4.0 * shape.K + 12.0 * shape.D;

    public static InputDistribution Distribution(string option, string text)
    {
        try
        {
            return InputDistribution.FromName(text);
        }
        catch (ArgumentException)
        {
            throw new UsageException($"{option}: '{text}' is not a known input distribution; allowed values: gaussian, uniform, rademacher, ar1:RHO with -1 < RHO < 1.");
        }
    }

    public static Activation Activation(string option, string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "relu")
            return Convotron.Activation.ReLU;
        if (t == "linear")
            return Convotron.Activation.Linear;
        if (t.StartsWith("leaky:", StringComparison.Ordinal)
            && double.TryParse(t["leaky:".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha)
            && alpha >= 0.0 && alpha <= 1.0)
            return Convotron.Activation.Leaky(alpha);
        throw new UsageException($"{option}: '{text}' is not a known activation; allowed values: relu, linear, leaky:ALPHA with ALPHA in [0, 1].");
    }

    public static IReadOnlyList<T> List<T>(string option, string text, Func<string, T> parse, string allowed)
    {
        var values = new List<T>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0)
                throw new UsageException($"{option}: empty entry in '{text}'; expected a comma-separated list of {allowed}.");
            try
            {
                values.Add(parse(part));
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new UsageException($"{option}: '{part}' is not valid; expected a comma-separated list of {allowed}.");
            }
        }
        if (values.Count == 0)
            throw new UsageException($"{option}: the list is empty; expected {allowed}.");
        return values;
    }

    public static IReadOnlyList<int> PositiveInts(string option, string text) =>
        List(option, text, s =>
        {
            int v = int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);
            return v >= 1 ? v : throw new FormatException();
        }, "positive integers");

    public static IReadOnlyList<double> NonNegativeDoubles(string option, string text) =>
        List(option, text, s =>
        {
            double v = double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
            return v >= 0 && double.IsFinite(v) ? v : throw new FormatException();
        }, "finite numbers ≥ 0");

    public static IReadOnlyList<InputDistribution> Distributions(string option, string text)
    {
        var list = text.Split(',', StringSplitOptions.TrimEntries).Select(s => Distribution(option, s)).ToList();
        if (list.Distinct().Count() != list.Count)
            throw new UsageException($"{option}: '{text}' repeats a distribution.");
        return list;
    }

    public static void AtLeast(string option, long value, long minimum)
    {
        if (value < minimum)
            throw new UsageException(AtLeastMessage(option, value, minimum));
    }

    private static string AtLeastMessage(string option, long value, long minimum) =>
        $"{option}: {value.ToString(CultureInfo.InvariantCulture)} is not allowed; it must be at least {minimum.ToString(CultureInfo.InvariantCulture)}.";

    private static readonly ConditionalWeakTable<Symbol, StrongBox<(long Minimum, long Maximum)>> s_ranges = new();

    /// <summary>
    /// Gives a whole-number option its allowed range: values outside it are parse errors (exit 2)
    /// saying so, and a value that is not a whole number of the type's range at all (1e12, 2.5) is
    /// answered with this range, not the type's (-2147483648 to 2147483647).
    /// </summary>
    public static Option<T> Range<T>(this Option<T> option, long minimum, long? maximum = null)
    {
        Type type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        long typeMax = type == typeof(int) ? int.MaxValue : long.MaxValue, max = maximum ?? typeMax;
        s_ranges.AddOrUpdate(option, new StrongBox<(long, long)>((minimum, max)));
        option.Validators.Add(result =>
        {
            // The token, not the converted value: a token that does not convert is reported by the conversion, with this range.
            if (result.Implicit || result.Tokens.Count != 1 || !long.TryParse(result.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v > typeMax)
                return;
            if (v < minimum || v > max)
                result.AddError(max == typeMax ? AtLeastMessage(option.Name, v, minimum)
                    : $"{option.Name}: {v.ToString(CultureInfo.InvariantCulture)} is not allowed; it must lie in [{minimum.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}].");
        });
        return option;
    }

    /// <summary>The range given with <see cref="Range"/>, or null.</summary>
    public static (long Minimum, long Maximum)? RangeOf(Symbol symbol) => s_ranges.TryGetValue(symbol, out var range) ? range.Value : null;

    /// <summary>Free-text options where an empty value is a choice (no title, no axis label).</summary>
    private static readonly HashSet<string> s_emptyAllowed = new(StringComparer.Ordinal) { "--title", "--x-label", "--y-label" };

    /// <summary>
    /// Refuses an empty value ("") of every option and argument under <paramref name="command"/> as a
    /// parse error naming it (--out "" was an internal error): an empty path, geometry or name names nothing.
    /// </summary>
    public static void RefuseEmptyValues(Command command)
    {
        foreach (Option option in command.Options)
        {
            if (option.Arity.MaximumNumberOfValues == 0 || s_emptyAllowed.Contains(option.Name))
                continue;
            option.Validators.Add(result =>
            {
                if (result.Tokens.Any(t => t.Value.Trim().Length == 0))
                    result.AddError(EmptyMessage(option.Name, option.Description, option.Required));
            });
        }
        foreach (Argument argument in command.Arguments)
        {
            argument.Validators.Add(result =>
            {
                if (result.Tokens.Any(t => t.Value.Trim().Length == 0))
                    result.AddError(EmptyMessage(argument.Name, argument.Description, required: true));
            });
        }
        foreach (Command subcommand in command.Subcommands)
            RefuseEmptyValues(subcommand);
    }

    private static string EmptyMessage(string name, string? description, bool required)
    {
        string what = description is null ? "" : " " + name + " is: " + description.Split(". ")[0].TrimEnd('.') + ".";
        return $"{name}: an empty value ('') is not allowed.{what}{(required ? "" : $" Leave {name} out for its default.")}";
    }

    public static void InRange(string option, double value, double lowExclusive, double highExclusive)
    {
        if (!(value > lowExclusive && value < highExclusive))
            throw new UsageException($"{option}: {value.ToString(CultureInfo.InvariantCulture)} is not allowed; it must lie in ({lowExclusive.ToString(CultureInfo.InvariantCulture)}, {highExclusive.ToString(CultureInfo.InvariantCulture)}).");
    }

    /// <summary>"i/n" with 0 ≤ i &lt; n.</summary>
    public static (int Index, int Count) Shard(string option, string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && i < n)
            return (i, n);
        throw new UsageException($"{option}: '{text}' is not a shard; use i/n with 0 ≤ i < n (e.g. 0/4, or $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT).");
    }
}
