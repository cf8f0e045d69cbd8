using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace ConvotronExperiment.Tests;

/// <summary>
/// The code the [ConvNet] generator wrote for <see cref="Model"/> equals the reviewed snapshot
/// in Snapshots/: a new Convotron version or a changed geometry that changes the generated
/// kernels shows up here as a diff. On a difference the test writes Snapshots/Model.received.cs
/// next to Model.verified.cs and fails; review the diff, then copy received over verified.
/// </summary>
public sealed class GeneratedCodeTests
{
    private static string Metadata(string key) =>
        typeof(GeneratedCodeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"no {key} metadata");

    [Fact]
    public void GeneratedModelMatchesTheSnapshot()
    {
        string generatedDirectory = Metadata("GeneratedDirectory");
        string[] files = Directory.Exists(generatedDirectory)
            ? Directory.GetFiles(generatedDirectory, "*.Model.g.cs", SearchOption.AllDirectories)
            : Array.Empty<string>();
        Assert.True(files.Length == 1, $"expected the generated Model source once under {generatedDirectory}, found {files.Length}");
        string generated = Normalize(File.ReadAllText(files[0]));

        string snapshotDirectory = Metadata("SnapshotDirectory");
        string verified = Path.Combine(snapshotDirectory, "Model.verified.cs");
        string received = Path.Combine(snapshotDirectory, "Model.received.cs");
        string expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : "";
        if (generated == expected)
        {
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, generated);
        Assert.Fail(File.Exists(verified)
            ? $"The generated code differs from {verified}; review {received} and copy it over the snapshot if the change is intended."
            : $"No snapshot yet: review {received} and rename it to {verified}.");
    }

    [Fact]
    public void GeneratedModelIsTheDeclaredGeometry()
    {
        var model = new Model();
        Assert.Equal(160, model.Geometry.InputSize);
        Assert.Equal(16, model.Geometry.FilterSize);
        Assert.Equal(13, model.Geometry.PatchCount);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimEnd() + "\n";
}
