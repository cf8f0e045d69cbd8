using Convotron.Generated;

namespace Convotron.Cli;

/// <summary>The one place where the CLI creates models.</summary>
internal static class Models
{
    /// <summary>
    /// A fresh model (w = 0, a = 0) for <paramref name="geometry"/>: the compile-time class of the
    /// generated registry when one matches the geometry and activation, else the dynamic model.
    /// </summary>
    public static IConvNet Create(PatchGeometry geometry, Activation activation)
    {
        foreach (ConvNetModelInfo model in ConvNetRegistry.Models)
        {
            if (model.Geometry == geometry && model.Activation == activation)
                return model.Create();
        }
        return new DynamicConvNet(geometry, activation);
    }
}

// The paper's geometries (Du & Goel, Figure 1), compiled by the source generator.

/// <summary>d = 160, r = 16, s = 9 (k = 17, 2 non-overlapping taps).</summary>
[ConvNet(r: 16, s: 9, d: 160)]
internal sealed partial class PaperStride9;

/// <summary>d = 160, r = 16, s = 12 (k = 13, 8 non-overlapping taps).</summary>
[ConvNet(r: 16, s: 12, d: 160)]
internal sealed partial class PaperStride12;

/// <summary>d = 160, r = 16, s = 16 (k = 10, disjoint patches).</summary>
[ConvNet(r: 16, s: 16, d: 160)]
internal sealed partial class PaperStride16;
