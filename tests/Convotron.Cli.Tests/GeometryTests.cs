using System;
using Xunit;

namespace Convotron.Cli.Tests;

public class GeometryTests
{
    /// <summary>
    /// The size guard's estimate covers what building a geometry allocates. Found by fuzzing
    /// (scripts/fuzz.sh, geometry target): 1d:r=1,s=1,d=444544 allocated 44 MB where 7 MB were
    /// estimated, the patches' runs (PatchRuns, grown as lists) not being counted.
    /// </summary>
    [Theory]
    [InlineData("1d:r=1,s=1,d=444544")]
    [InlineData("1d:r=2,s=1,d=444444")]
    [InlineData("1d:r=16,s=9,d=160000")]
    [InlineData("1d:r=3,s=1,d=100000,channels=3")]
    [InlineData("2d:rh=4,rw=4,sh=3,sw=3,height=28,width=25574")]
    [InlineData("2d:rh=8,rw=1,sh=1,sw=1,height=300,width=300")]
    public void The_size_guard_counts_what_building_a_geometry_allocates(string text)
    {
        var shape = Convotron.Cli.Infrastructure.Parsing.Shape(text)!.Value;
        PatchGeometry.Parse(text); // the JIT's own allocations are not the geometry's
        long before = GC.GetAllocatedBytesForCurrentThread();
        PatchGeometry.Parse(text);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        double estimate = Convotron.Cli.Infrastructure.Parsing.GeometryBytes(shape);
        Assert.True(allocated <= estimate, $"{text}: allocated {allocated:N0} bytes, estimated {estimate:N0}");
    }

    [Fact]
    public void Describes_the_paper_geometry()
    {
        string directory = Cli.TempDirectory("geometry");
        Cli.Result result = Cli.Run("geometry", "--geometry", "1d:r=16,s=9,d=160", "--out", directory);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("k = 17 patches", result.Output, StringComparison.Ordinal);
        Assert.Contains("| 1       | 9..24", result.Output, StringComparison.Ordinal);
        Assert.Contains("non-overlapping taps T_non: 7..8 (2 of 16)", result.Output, StringComparison.Ordinal);
        Assert.Contains("unread coordinates: 0 of 160", result.Output, StringComparison.Ordinal);
        Assert.Contains("Du & Goel's lower bound", result.Output, StringComparison.Ordinal);
        Assert.True(System.IO.File.Exists(System.IO.Path.Combine(directory, "summary.txt")));
        Assert.True(System.IO.File.Exists(System.IO.Path.Combine(directory, "coverage.png")));
        string[] patches = System.IO.File.ReadAllLines(System.IO.Path.Combine(directory, "patches.csv"));
        Assert.Equal(1 + 17 * 16, patches.Length);
        Assert.Equal("1,7,16,1", patches[1 + 16 + 7]);
    }

    [Fact]
    public void Reports_unread_coordinates_and_missing_non_overlap()
    {
        Cli.Result result = Cli.Run("geometry", "--geometry", "1d:r=8,s=3,d=30", "--out", Cli.TempDirectory("geometry"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("T_non: none", result.Output, StringComparison.Ordinal);
        Assert.Contains("unread coordinates: 1 of 30", result.Output, StringComparison.Ordinal);
        Assert.Contains("bound does not apply", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_geometry_is_a_usage_error()
    {
        Cli.Result result = Cli.Run("geometry", "--geometry", "3d:r=1", "--out", Cli.TempDirectory("geometry"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--geometry", result.Error, StringComparison.Ordinal);
        Assert.Contains("1d:r=", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, Cli.Run("geometry").ExitCode);
    }
}

public class ModelsTests
{
    [Theory]
    [InlineData(9, "PaperStride9")]
    [InlineData(12, "PaperStride12")]
    [InlineData(16, "PaperStride16")]
    public void The_paper_geometries_use_the_compiled_classes(int stride, string name)
    {
        IConvNet model = Convotron.Cli.Models.Create(PatchGeometry.Strided1D(16, stride, 160), Activation.ReLU);
        Assert.Equal(name, model.GetType().Name);
        Assert.Equal(PatchGeometry.Strided1D(16, stride, 160), model.Geometry);
    }

    [Fact]
    public void Other_geometries_and_activations_use_the_dynamic_model()
    {
        Assert.IsType<DynamicConvNet>(Convotron.Cli.Models.Create(PatchGeometry.Strided1D(16, 10, 160), Activation.ReLU));
        Assert.IsType<DynamicConvNet>(Convotron.Cli.Models.Create(PatchGeometry.Strided1D(16, 9, 160), Activation.Leaky(0.5)));
    }
}
