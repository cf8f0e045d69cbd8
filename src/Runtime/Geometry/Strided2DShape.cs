using Convotron.Geometry;

namespace Convotron;

/// <summary>
/// The parameters of a <see cref="PatchLayout.Strided2D"/> geometry, as given to
/// <see cref="PatchGeometry.Strided2D(int, int, int, int, int, int, int)"/>: <paramref name="Channels"/>
/// row-major <paramref name="Height"/> × <paramref name="Width"/> planes stored channel-major, and patch
/// (p, q) reading rows p·sh .. p·sh + rh − 1 and columns q·sw .. q·sw + rw − 1 of every plane.
/// Read it from <see cref="PatchGeometry.Shape2D"/>.
/// </summary>
/// <remarks>
/// Plain values: the shape of a built geometry is valid, one made by hand is not checked (build a
/// geometry with <c>PatchGeometry.Strided2D</c> for that), and the derived counts assume a valid shape.
/// </remarks>
/// <param name="FilterHeight">The filter's rows rh (<c>rh=</c>).</param>
/// <param name="FilterWidth">The filter's columns rw (<c>rw=</c>); the whole filter has <see cref="PatchGeometry.FilterSize"/> = Channels·rh·rw taps.</param>
/// <param name="StrideHeight">The vertical stride sh between patch rows (<c>sh=</c>).</param>
/// <param name="StrideWidth">The horizontal stride sw between patch columns (<c>sw=</c>).</param>
/// <param name="Height">The rows of one plane (<c>height=</c>).</param>
/// <param name="Width">The columns of one plane (<c>width=</c>).</param>
/// <param name="Channels">The number of planes (<c>channels=</c>, 1 unless given).</param>
public readonly record struct Strided2DShape(
    int FilterHeight, int FilterWidth, int StrideHeight, int StrideWidth, int Height, int Width, int Channels)
{
    /// <summary>The patches down the image, ⌊(height − rh)/sh⌋ + 1: p runs over [0, PatchRows).</summary>
    public int PatchRows => GeometryMath.PatchCount1D(FilterHeight, StrideHeight, Height);

    /// <summary>The patches across the image, ⌊(width − rw)/sw⌋ + 1: q runs over [0, PatchColumns).</summary>
    public int PatchColumns => GeometryMath.PatchCount1D(FilterWidth, StrideWidth, Width);

    /// <summary>The number of patches k = PatchRows·PatchColumns; patch (p, q) is patch j = p·PatchColumns + q.</summary>
    public int PatchCount => PatchRows * PatchColumns;

    /// <summary>The input size Channels·Height·Width.</summary>
    public int InputSize => Channels * Height * Width;
}
