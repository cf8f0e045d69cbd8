using Convotron.Geometry;

namespace Convotron;

/// <summary>
/// The parameters of a <see cref="PatchLayout.Strided1D"/> geometry, as given to
/// <see cref="PatchGeometry.Strided1D(int, int, int, int)"/>: <paramref name="Channels"/> signals of
/// <paramref name="Length"/> values each, stored channel-major, and patch j reading
/// x[c·d + j·s .. c·d + j·s + r − 1] in every channel c. Read it from <see cref="PatchGeometry.Shape1D"/>.
/// </summary>
/// <remarks>
/// Plain values: the shape of a built geometry is valid, one made by hand is not checked (build a
/// geometry with <c>PatchGeometry.Strided1D</c> for that), and the derived counts assume a valid shape.
/// </remarks>
/// <param name="FilterSize">The filter size r of one channel (the <c>r</c> of <c>1d:r=…</c>); the whole filter has <see cref="PatchGeometry.FilterSize"/> = Channels·r taps.</param>
/// <param name="Stride">The stride s between consecutive patches (<c>s=</c>).</param>
/// <param name="Length">The length d of one channel (<c>d=</c>); the input has <see cref="InputSize"/> = Channels·d values.</param>
/// <param name="Channels">The number of channels (<c>channels=</c>, 1 unless given).</param>
public readonly record struct Strided1DShape(int FilterSize, int Stride, int Length, int Channels)
{
    /// <summary>The number of patches k = ⌊(d − r)/s⌋ + 1.</summary>
    public int PatchCount => GeometryMath.PatchCount1D(FilterSize, Stride, Length);

    /// <summary>The input size Channels·d.</summary>
    public int InputSize => Channels * Length;
}
