using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using static Convotron.Generator.Tests.GeneratorHarness;

namespace Convotron.Generator.Tests;

/// <summary>
/// The incremental pipeline caches: every tracked step is Cached/Unchanged on a rerun and after an
/// unrelated edit, Modified when an attribute argument changes, and no model holds a compiler object.
/// </summary>
public sealed class CachingTests
{
    private static readonly string[] s_trackedSteps =
    [
        ConvNetGenerator.TrackingNames.ConvNet1D,
        ConvNetGenerator.TrackingNames.ConvNet2D,
        ConvNetGenerator.TrackingNames.Models1D,
        ConvNetGenerator.TrackingNames.Models2D,
        ConvNetGenerator.TrackingNames.RegistryModels,
    ];

    private const string Models = """
        using Convotron;
        namespace App;
        [ConvNet(r: 16, s: 9, d: 160)]
        public partial class Net;
        [ConvNet2D(4, 4, 3, 3, 28, 28, 0.1)]
        public partial class Image;
        [ConvNet(r: 0, s: 9, d: 160)]
        public partial class Broken;
        """;

    private const string Other = "namespace App; public static class Helpers { public static int Twice(int x) => 2 * x; }";

    [Fact]
    public void Rerun_on_the_same_compilation_is_all_cached()
    {
        CSharpCompilation compilation = CreateCompilation(Models, Other);
        Run first = RunGenerator(compilation);
        AssertStepsRan(first.Result);
        AssertNoCompilerObjects(first.Result);

        Run second = RunGenerator(compilation.Clone(), first.Driver);
        AssertAllCached(second.Result);
    }

    [Fact]
    public void Unrelated_edits_keep_every_step_cached()
    {
        CSharpCompilation compilation = CreateCompilation(Models, Other);
        Run first = RunGenerator(compilation);

        // A new file, then an edit of the other file.
        CSharpCompilation added = compilation.AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace App; internal sealed class Unrelated { }", LatestParseOptions, path: "Unrelated.cs"));
        Run second = RunGenerator(added, first.Driver);
        AssertAllCached(second.Result);

        SyntaxTree otherTree = added.SyntaxTrees.Single(tree => tree.FilePath == "Source1.cs");
        CSharpCompilation edited = added.ReplaceSyntaxTree(otherTree,
            CSharpSyntaxTree.ParseText(Other.Replace("2 * x", "x + x", StringComparison.Ordinal), LatestParseOptions, path: "Source1.cs"));
        Run third = RunGenerator(edited, second.Driver);
        AssertAllCached(third.Result);
        Assert.Equal(first.Result.GeneratedTrees.Select(t => t.ToString()), third.Result.GeneratedTrees.Select(t => t.ToString()));
    }

    [Fact]
    public void Changing_r_shows_as_Modified()
    {
        CSharpCompilation compilation = CreateCompilation(Models, Other);
        Run first = RunGenerator(compilation);

        SyntaxTree modelsTree = compilation.SyntaxTrees.Single(tree => tree.FilePath == "Source0.cs");
        CSharpCompilation changed = compilation.ReplaceSyntaxTree(modelsTree,
            CSharpSyntaxTree.ParseText(Models.Replace("r: 16", "r: 12", StringComparison.Ordinal), LatestParseOptions, path: "Source0.cs"));
        Run second = RunGenerator(changed, first.Driver);

        IncrementalStepRunReason[] reasons = Outputs(second.Result, ConvNetGenerator.TrackingNames.ConvNet1D).ToArray();
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        Assert.Contains(IncrementalStepRunReason.Modified, Outputs(second.Result, ConvNetGenerator.TrackingNames.RegistryModels));
        // The 2D model did not change.
        Assert.All(Outputs(second.Result, ConvNetGenerator.TrackingNames.ConvNet2D),
            reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
        AssertNoCompilerObjects(second.Result);
    }

    [Fact]
    public void A_line_added_above_the_attribute_keeps_the_models_and_their_sources_cached()
    {
        CSharpCompilation compilation = CreateCompilation(Models, Other);
        Run first = RunGenerator(compilation);

        // The models' own file: a comment line above the first attribute moves every class (and Broken's CNV0002) down.
        SyntaxTree modelsTree = compilation.SyntaxTrees.Single(tree => tree.FilePath == "Source0.cs");
        string moved = Models.Replace("[ConvNet(r: 16", "// the filter of the text model\n[ConvNet(r: 16", StringComparison.Ordinal);
        Assert.NotEqual(Models, moved);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(modelsTree, CSharpSyntaxTree.ParseText(moved, LatestParseOptions, path: "Source0.cs"));
        Run second = RunGenerator(edited, first.Driver);

        // The parse results changed (Broken's diagnostic moved) ...
        Assert.Contains(IncrementalStepRunReason.Modified, Outputs(second.Result, ConvNetGenerator.TrackingNames.ConvNet1D));
        Diagnostic broken = Assert.Single(second.GeneratorDiagnostics, d => d.Id == "CNV0002");
        Assert.Equal(Position(moved, "r: 0"), Start(broken));
        // ... but the models, which hold no location, did not: nothing is emitted again.
        foreach (string step in new[] { ConvNetGenerator.TrackingNames.Models1D, ConvNetGenerator.TrackingNames.Models2D, ConvNetGenerator.TrackingNames.RegistryModels })
        {
            Assert.All(Outputs(second.Result, step), reason =>
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}"));
        }
        Assert.Equal(first.Result.GeneratedTrees.Select(t => t.ToString()), second.Result.GeneratedTrees.Select(t => t.ToString()));
    }

    private static IEnumerable<IncrementalStepRunReason> Outputs(GeneratorDriverRunResult result, string step) =>
        result.Results.Single().TrackedSteps[step].SelectMany(run => run.Outputs).Select(output => output.Reason);

    private static void AssertStepsRan(GeneratorDriverRunResult result)
    {
        foreach (string step in s_trackedSteps)
            Assert.True(result.Results.Single().TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
    }

    private static void AssertAllCached(GeneratorDriverRunResult result)
    {
        AssertStepsRan(result);
        foreach (string step in s_trackedSteps)
        {
            IncrementalStepRunReason[] reasons = Outputs(result, step).ToArray();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason =>
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}"));
        }
    }

    /// <summary>Walks every tracked output's object graph: no ISymbol, SyntaxNode, Compilation, Location or Diagnostic.</summary>
    private static void AssertNoCompilerObjects(GeneratorDriverRunResult result)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (string step in s_trackedSteps)
        {
            foreach (IncrementalGeneratorRunStep run in result.Results.Single().TrackedSteps[step])
            {
                foreach ((object output, IncrementalStepRunReason _) in run.Outputs)
                    Walk(output, $"{step} output", visited, depth: 0);
            }
        }
        Assert.NotEmpty(visited);
    }

    private static void Walk(object? node, string path, HashSet<object> visited, int depth)
    {
        if (node is null || depth > 30)
            return;
        Type type = node.GetType();
        Assert.False(node is ISymbol or SyntaxNode or SyntaxTree or Compilation or Location or Diagnostic or SemanticModel,
            $"{path} holds a {type.Name}: the pipeline would root compiler objects and defeat caching");
        if (type.IsPrimitive || type.IsEnum || node is string || !visited.Add(node))
            return;
        if (node is IEnumerable enumerable)
        {
            int i = 0;
            foreach (object? item in enumerable)
                Walk(item, $"{path}[{i++}]", visited, depth + 1);
        }
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (field.FieldType.IsPointer)
                continue;
            Walk(field.GetValue(node), $"{path}.{field.Name}", visited, depth + 1);
        }
    }

    [Fact]
    public void The_walker_catches_a_compiler_object()
    {
        // The negative control of the walk above.
        Compilation compilation = CreateCompilation("class C { }");
        var holder = new { Inner = new object[] { 1, compilation.GetTypeByMetadataName("C")! } };
        Assert.ThrowsAny<Exception>(() => Walk(holder, "holder", new HashSet<object>(ReferenceEqualityComparer.Instance), 0));
    }
}
