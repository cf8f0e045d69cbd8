using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Convotron;

/// <summary>
/// Argument checks for the public boundary. Public so that generated models share them:
/// the messages name the parameter and the allowed value the same way everywhere.
/// </summary>
public static class Guard
{
    /// <summary>Throws an <see cref="ArgumentException"/> unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The length required.</param>
    /// <param name="symbol">The paper's name for the required length (d, r, k, |T_non|).</param>
    /// <param name="parameter">The parameter's name (filled in by the compiler).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(int actual, int expected, string symbol, [CallerArgumentExpression(nameof(actual))] string? parameter = null)
    {
        if (actual != expected)
            ThrowLength(actual, expected, symbol, StripLength(parameter));
    }

    /// <summary>
    /// The filter count F = <paramref name="length"/> / r of filters stored filter-major, after checking that the
    /// length is a positive multiple of <paramref name="filterSize"/> (an <see cref="ArgumentException"/> otherwise).
    /// </summary>
    /// <param name="length">The filter span's length.</param>
    /// <param name="filterSize">r.</param>
    /// <param name="parameter">The parameter's name (filled in by the compiler).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FilterCount(int length, int filterSize, [CallerArgumentExpression(nameof(length))] string? parameter = null)
    {
        // One filter is the common case: no division (a variable divisor costs tens of cycles per call).
        int count = length == filterSize ? 1 : length / filterSize;
        if (count < 1 || count * filterSize != length)
            ThrowFilterCount(length, filterSize, StripLength(parameter));
        return count;
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and greater than 0.</summary>
    public static void PositiveFinite(double value, [CallerArgumentExpression(nameof(value))] string? parameter = null)
    {
        if (!(value > 0.0 && double.IsFinite(value)))
            throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} must be finite and greater than 0.");
    }

    /// <summary>Throws unless <paramref name="value"/> is at least <paramref name="minimum"/>.</summary>
    public static void AtLeast(long value, long minimum, [CallerArgumentExpression(nameof(value))] string? parameter = null)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} must be at least {minimum}.");
    }

    /// <summary>Whether every entry of <paramref name="values"/> is finite.</summary>
    internal static bool AreFinite(ReadOnlySpan<double> values)
    {
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
                return false;
        }
        return true;
    }

    /// <summary>Throws unless every entry of <paramref name="values"/> is finite.</summary>
    public static void AllFinite(ReadOnlySpan<double> values, [CallerArgumentExpression(nameof(values))] string? parameter = null)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{parameter}[{i}] is {values[i]}; every entry must be finite.", parameter);
        }
    }

    /// <summary>Throws the <see cref="InvalidOperationException"/> that stage-1 kernels throw on a geometry without non-overlapping taps.</summary>
    [DoesNotReturn]
    public static void ThrowNoNonOverlappingPart(PatchGeometry geometry)
    {
        throw new InvalidOperationException(
            $"Geometry {geometry} has no non-overlapping taps, so Du & Goel's stage 1 (Double Convotron) does not apply; " +
            "use Convotron with known output weights, or a stride s ≥ ⌊r/2⌋ + 1.");
    }

    private static string? StripLength(string? expression) =>
        expression is not null && expression.EndsWith(".Length", StringComparison.Ordinal) ? expression[..^".Length".Length] : expression;

    [DoesNotReturn]
    private static void ThrowFilterCount(int length, int filterSize, string? parameter) =>
        throw new ArgumentException($"{parameter} has length {length}; it must be F·r for a filter count F ≥ 1 and r = {filterSize}.", parameter);

    [DoesNotReturn]
    private static void ThrowLength(int actual, int expected, string symbol, string? parameter) =>
        throw new ArgumentException($"{parameter} must have length {symbol} = {expected}; got {actual}.", parameter);
}
