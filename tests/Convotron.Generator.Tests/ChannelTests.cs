using System;
using System.Collections.Generic;
using System.Linq;
using Convotron.Generator.Tests.Models;
using Xunit;

namespace Convotron.Generator.Tests;

/// <summary>
/// Multi-channel generated models against <see cref="PatchGeometry.FromPatches"/> with the patch index sets written out
/// here, independently of GeometryMath (by hand for the smallest, else by the NCHW formula in plain loops), and against
/// <see cref="DynamicConvNet"/> on those patches, every kernel step by step (the strided geometry is
/// <see cref="EquivalenceTests"/>' part).
/// </summary>
public sealed class ChannelTests
{
    public sealed record Case(string Name, Func<IConvNet> Create, int Channels, int Height, int Width, int RH, int RW, int SH, int SW,
        Activation Activation)
    {
        public override string ToString() => Name;

        public int InputSize => Channels * Height * Width;

        /// <summary>Patch (p, q) reads x[c·height·width + (p·sh + i)·width + q·sw + j] at filter index c·rh·rw + i·rw + j.</summary>
        public List<int[]> Patches()
        {
            var patches = new List<int[]>();
            for (int top = 0; top + RH <= Height; top += SH)
            {
                for (int left = 0; left + RW <= Width; left += SW)
                {
                    var patch = new int[Channels * RH * RW];
                    for (int c = 0; c < Channels; c++)
                        for (int i = 0; i < RH; i++)
                            for (int j = 0; j < RW; j++)
                                patch[c * RH * RW + i * RW + j] = c * Height * Width + (top + i) * Width + left + j;
                    patches.Add(patch);
                }
            }
            return patches;
        }
    }

    // 1D is the one-row image: height = rh = sh = 1.
    public static readonly Case[] Cases =
    {
        new("1d 2 channels tiny", () => new Tiny2x5x2(), 2, 1, 5, 1, 2, 1, 2, Activation.ReLU),
        new("1d 3 channels 160,16,9", () => new Net3x160x16s9(), 3, 1, 160, 1, 16, 1, 9, Activation.ReLU),
        new("1d 2 channels leaky", () => new Net2x41x5s4Leaky(), 2, 1, 41, 1, 5, 1, 4, Activation.Leaky(0.3)),
        new("1d 2 channels loops", () => new Net2x4096x64s33Leaky(), 2, 1, 4096, 1, 64, 1, 33, Activation.Leaky(0.3)),
        new("2d 3 channels 16x16 3x3 s2", () => new Rgb16x3s2(), 3, 16, 16, 3, 3, 2, 2, Activation.ReLU),
        new("2d 2 channels leaky", () => new Image2x13x4s3Leaky(), 2, 13, 13, 4, 4, 3, 3, Activation.Leaky(0.3)),
        new("2d 4 channels one row linear", () => new Image4x2x9Linear(), 4, 2, 9, 2, 3, 1, 2, Activation.Linear),
        new("2d 3 channels loops", () => new Image3x28x5s2Leaky(), 3, 28, 28, 5, 5, 2, 2, Activation.Leaky(0.3)),
    };

    public static TheoryData<Case> AllCases() => EquivalenceTests.TheoryOf(Cases);

    [Fact]
    public void The_smallest_model_reads_the_patches_written_out_by_hand()
    {
        // Channel 0 is x[0..4], channel 1 x[5..9]; patch j reads x[2j], x[2j + 1] in both (the tail x[4], x[9] is unread).
        int[][] patches = [[0, 1, 5, 6], [2, 3, 7, 8]];
        Assert.Equal(patches, Cases[0].Patches());
        IConvNet model = new Tiny2x5x2();
        for (int j = 0; j < patches.Length; j++)
            Assert.Equal(patches[j], model.Geometry.Patch(j).ToArray());
        Assert.Equal((10, 4, 2, 2), (Tiny2x5x2.D, Tiny2x5x2.R, Tiny2x5x2.K, Tiny2x5x2.C));
        Assert.Equal([0, 1, 2, 3], model.Geometry.NonOverlappingTaps.ToArray()); // s = r: every tap, in both channels

        // Predict by hand: z_j = w · P_j x, f = Σ_j a_j relu(z_j).
        double[] x = [1, 2, 3, 4, 100, 5, 6, 7, 8, 100];
        model.Filter[0] = 1; model.Filter[1] = -1; model.Filter[2] = 2; model.Filter[3] = 0.5;
        model.OutputWeights[0] = 3; model.OutputWeights[1] = -2;
        double z0 = 1 * 1 - 1 * 2 + 2 * 5 + 0.5 * 6, z1 = 1 * 3 - 1 * 4 + 2 * 7 + 0.5 * 8;
        Assert.Equal(3 * z0 - 2 * z1, model.Predict(x), 12);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Geometry_is_the_written_out_patches(Case c)
    {
        IConvNet generated = c.Create();
        List<int[]> patches = c.Patches();
        Assert.Equal(c.InputSize, generated.Geometry.InputSize);
        Assert.Equal(c.Channels, generated.Geometry.Channels);
        Assert.Equal(patches.Count, generated.Geometry.PatchCount);
        for (int j = 0; j < patches.Count; j++)
            Assert.Equal(patches[j], generated.Geometry.Patch(j).ToArray());
        PatchGeometry written = PatchGeometry.FromPatches(c.InputSize, patches);
        Assert.Equal(written.NonOverlappingTaps.ToArray(), generated.Geometry.NonOverlappingTaps.ToArray());
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Every_member_matches_DynamicConvNet_on_the_written_out_patches(Case c)
    {
        var random = new Random(c.Name.Length * 104729 + c.InputSize);
        IConvNet generated = c.Create();
        var dynamic = new DynamicConvNet(PatchGeometry.FromPatches(c.InputSize, c.Patches()), c.Activation);
        EquivalenceTests.Randomize(random, generated, dynamic);
        EquivalenceTests.RunMixedSteps(random, generated, dynamic, steps: 15);
    }

    [Fact]
    public void A_channel_swapped_in_the_input_is_caught()
    {
        // The negative control: the same model against patches whose channels 1 and 2 are swapped must differ.
        Case c = Cases.Single(candidate => candidate.Name == "2d 3 channels 16x16 3x3 s2");
        int plane = c.Height * c.Width;
        List<int[]> swapped = c.Patches().Select(patch => patch.Select(index =>
            index / plane == 1 ? index + plane : index / plane == 2 ? index - plane : index).ToArray()).ToList();
        var random = new Random(11);
        IConvNet generated = c.Create();
        var dynamic = new DynamicConvNet(PatchGeometry.FromPatches(c.InputSize, swapped), c.Activation);
        EquivalenceTests.Randomize(random, generated, dynamic);
        Assert.Throws<EquivalenceTests.EquivalenceException>(() => EquivalenceTests.RunMixedSteps(random, generated, dynamic, steps: 3));
    }

    [Fact]
    public void Constants_of_channel_models()
    {
        Assert.Equal((480, 48, 9, 17, 3), (Net3x160x16s9.D, Net3x160x16s9.R, Net3x160x16s9.S, Net3x160x16s9.K, Net3x160x16s9.C));
        Assert.Equal((768, 27, 49, 3, 16, 16), (Rgb16x3s2.D, Rgb16x3s2.R, Rgb16x3s2.K, Rgb16x3s2.C, Rgb16x3s2.Height, Rgb16x3s2.Width));
        Assert.Equal(PatchGeometry.Strided2D(3, 3, 2, 2, 16, 16, channels: 3), Rgb16x3s2.CompiledGeometry);
        Assert.Equal("2d:rh=3,rw=3,sh=2,sw=2,height=16,width=16,channels=3", Rgb16x3s2.CompiledGeometry.ToString());
        Assert.Equal(PatchGeometry.Strided1D(64, 33, 4096, channels: 2), Net2x4096x64s33Leaky.CompiledGeometry);
    }
}
