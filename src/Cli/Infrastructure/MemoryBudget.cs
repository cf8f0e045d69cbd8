using System;
using System.Globalization;
using System.IO;

namespace Convotron.Cli.Infrastructure;

/// <summary>
/// How much memory a command may plan to use. Every command estimates what a geometry, a sample
/// count or an input file will need before allocating it, and refuses (a usage error naming the
/// limit and the option that changes it) when the estimate exceeds the budget: a quarter of the
/// memory available when the command starts, or <c>--max-memory</c>.
/// </summary>
internal sealed class MemoryBudget(long bytes, bool given)
{
    /// <summary>The budget in bytes.</summary>
    public long Bytes { get; } = bytes;

    /// <summary>True when the user set it with --max-memory.</summary>
    public bool Given { get; } = given;

    /// <summary>The default: a quarter of the memory available now (MemAvailable on Linux, else the GC's view of the machine or container), at least 256 MB.</summary>
    public static MemoryBudget Default() => new(Math.Max(256L << 20, AvailableBytes() / 4), false);

    /// <summary>Parses --max-memory: a number of bytes with an optional unit K, M, G or T (powers of 1024; a trailing B is allowed), e.g. 512M or 2G.</summary>
    public static MemoryBudget Parse(string option, string text)
    {
        string t = text.Trim().ToUpperInvariant();
        if (t.EndsWith('B'))
            t = t[..^1];
        double unit = 1;
        if (t.Length > 0 && "KMGT".Contains(t[^1], StringComparison.Ordinal))
        {
            unit = Math.Pow(1024, "KMGT".IndexOf(t[^1], StringComparison.Ordinal) + 1);
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value * unit >= 1 << 20) || !double.IsFinite(value * unit) || value * unit > long.MaxValue / 2)
            throw new UsageException($"{option}: '{text}' is not a memory size of at least 1M; write bytes or a number with K, M, G or T (e.g. 512M, 4G).");
        return new MemoryBudget((long)(value * unit), true);
    }

    /// <summary>Refuses with a usage error when <paramref name="bytes"/> exceeds the budget.</summary>
    /// <param name="what">What the memory is for, e.g. "the test sets (10000 samples × d = 100000000, one per thread)".</param>
    /// <param name="bytes">The estimate (a double: products of user numbers can exceed long).</param>
    /// <param name="remedy">The options that make it smaller, e.g. "use a smaller --test-samples or geometry".</param>
    public void Require(string what, double bytes, string remedy)
    {
        if (bytes <= Bytes)
            return;
        string limit = Given ? $"the --max-memory limit of {Size(Bytes)}" : $"the memory budget of {Size(Bytes)} (a quarter of the memory available now)";
        throw new UsageException($"{what} would need about {Size(bytes)}, more than {limit}; {remedy}, or raise the limit with --max-memory.");
    }

    /// <summary>"1.5 GB", "800 MB", "12 KB": binary units, 3 significant digits.</summary>
    public static string Size(double bytes)
    {
        string[] units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1)
        {
            bytes /= 1024;
            u++;
        }
        if (u == units.Length - 1 && bytes >= 1024)
            return bytes.ToString("0.0E+0", CultureInfo.InvariantCulture) + " " + units[u];
        return (u == 0 ? bytes.ToString("0", CultureInfo.InvariantCulture) : bytes.ToString(bytes < 10 ? "0.##" : bytes < 100 ? "0.#" : "0", CultureInfo.InvariantCulture)) + " " + units[u];
    }

    private static long AvailableBytes()
    {
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    continue;
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
                    return total > 0 ? Math.Min(total, kb * 1024) : kb * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or /proc is hidden: the GC's view of the machine (or container) is the fallback.
        }
        return total > 0 ? total : 4L << 30;
    }
}
