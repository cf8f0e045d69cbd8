using System;
using System.Collections.Generic;
using System.Globalization;

namespace Convotron;

public sealed partial class PatchGeometry
{
    /// <summary>
    /// Parses the geometry syntax used by the command line and model files:
    /// <c>1d:r=16,s=9,d=160</c> or <c>2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28</c>, each with an
    /// optional <c>channels=C</c> (default 1; see <see cref="Strided1D(int, int, int, int)"/>)
    /// (keys in any order, each at most once; whitespace around tokens is ignored).
    /// </summary>
    /// <exception cref="FormatException">The text is not in that syntax; the message says what is wrong.</exception>
    /// <exception cref="ArgumentException">The syntax is right but a value is outside its range.</exception>
    public static PatchGeometry Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            throw new FormatException($"Geometry '{text}' has no kind: write 1d:r=…,s=…,d=… or 2d:rh=…,rw=…,sh=…,sw=…,height=…,width=….");
        string kind = text[..colon].Trim().ToLowerInvariant();
        string[] keys = kind switch
        {
            "1d" => ["r", "s", "d"],
            "2d" => ["rh", "rw", "sh", "sw", "height", "width"],
            _ => throw new FormatException($"Geometry kind '{kind}' is not known: use 1d or 2d."),
        };
        var values = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in text[(colon + 1)..].Split(','))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
                throw new FormatException($"Geometry '{text}': '{part.Trim()}' is not key=value.");
            string key = part[..equals].Trim();
            if (Array.IndexOf(keys, key.ToLowerInvariant()) < 0 && !key.Equals("channels", StringComparison.OrdinalIgnoreCase))
                throw new FormatException($"Geometry '{text}': unknown key '{key}'; a {kind} geometry takes {string.Join(", ", keys)} and optionally channels.");
            if (!int.TryParse(part[(equals + 1)..].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
                throw new FormatException($"Geometry '{text}': the value of '{key}' is not an integer.");
            if (!values.TryAdd(key, value))
                throw new FormatException($"Geometry '{text}': '{key}' is given twice.");
        }
        foreach (string key in keys)
        {
            if (!values.ContainsKey(key))
                throw new FormatException($"Geometry '{text}': '{key}' is missing; a {kind} geometry takes {string.Join(", ", keys)}.");
        }
        int channels = values.GetValueOrDefault("channels", 1);
        return kind == "1d"
            ? Strided1D(values["r"], values["s"], values["d"], channels)
            : Strided2D(values["rh"], values["rw"], values["sh"], values["sw"], values["height"], values["width"], channels);
    }
}
