namespace Convotron.Cli;

/// <summary>The one place where the CLI creates models.</summary>
internal static class Models
{
    /// <summary>A fresh model (w = 0, a = 0) for <paramref name="geometry"/>.</summary>
    // TODO(generator): return the compile-time [ConvNet] class for the paper's geometries
    // (1d:r=16,s=9|12|16,d=160) once the source generator is merged; the dynamic model serves
    // every other geometry given on the command line.
    public static IConvNet Create(PatchGeometry geometry, Activation activation) => new DynamicConvNet(geometry, activation);
}
