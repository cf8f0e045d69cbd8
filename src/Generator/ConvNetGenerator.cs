using System.Collections.Generic;
using System.Collections.Immutable;
using Convotron.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Convotron.Generator
{
    /// <summary>
    /// Compiles each <c>[ConvNet(r, s, d)]</c> / <c>[ConvNet2D(rh, rw, sh, sw, height, width)]</c>
    /// partial class into an unrolled, allocation-free <c>IConvNet</c> for exactly that geometry,
    /// plus one <c>Convotron.Generated.ConvNetRegistry</c> listing the models of the compilation.
    /// </summary>
    /// <remarks>
    /// The pipeline: one <c>ForAttributeWithMetadataName</c> per attribute reduces the class to a
    /// value-equatable <see cref="ParseResult"/> (Parser), each result is emitted on its own
    /// (Emitter), and the collected valid models make the registry. The registry is emitted only
    /// when at least one model is listed, so an assembly without models gets no extra type (and
    /// two assemblies that see each other's internals never clash on it).
    /// </remarks>
    [Generator(LanguageNames.CSharp)]
    public sealed partial class ConvNetGenerator : IIncrementalGenerator
    {
        internal const string ConvNetAttributeName = "Convotron.ConvNetAttribute";
        internal const string ConvNet2DAttributeName = "Convotron.ConvNet2DAttribute";

        /// <summary>The names of the tracked pipeline steps (for caching tests).</summary>
        public static class TrackingNames
        {
            /// <summary>The parse results of [ConvNet] classes.</summary>
            public const string ConvNet1D = nameof(ConvNet1D);

            /// <summary>The parse results of [ConvNet2D] classes.</summary>
            public const string ConvNet2D = nameof(ConvNet2D);

            /// <summary>The valid models listed in the registry.</summary>
            public const string RegistryModels = nameof(RegistryModels);
        }

        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<ParseResult> oneDimensional = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    ConvNetAttributeName,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (syntaxContext, cancellationToken) => Parse(syntaxContext, ConvNetKind.Strided1D, cancellationToken))
                .WithTrackingName(TrackingNames.ConvNet1D);

            IncrementalValuesProvider<ParseResult> twoDimensional = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    ConvNet2DAttributeName,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (syntaxContext, cancellationToken) => Parse(syntaxContext, ConvNetKind.Strided2D, cancellationToken))
                .WithTrackingName(TrackingNames.ConvNet2D);

            context.RegisterSourceOutput(oneDimensional, EmitModel);
            context.RegisterSourceOutput(twoDimensional, EmitModel);

            IncrementalValueProvider<EquatableArray<ConvNetModel>> registryModels = oneDimensional.Collect()
                .Combine(twoDimensional.Collect())
                .Select(static (pair, _) => ListedModels(pair.Left, pair.Right))
                .WithTrackingName(TrackingNames.RegistryModels);

            context.RegisterSourceOutput(registryModels, EmitRegistry);
        }

        private static void EmitModel(SourceProductionContext context, ParseResult result)
        {
            foreach (DiagnosticInfo diagnostic in result.Diagnostics)
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (result.Model is { } model)
                context.AddSource(model.HintName, Emit(model));
        }

        private static void EmitRegistry(SourceProductionContext context, EquatableArray<ConvNetModel> models)
        {
            if (models.Count > 0)
                context.AddSource("Convotron.Generated.ConvNetRegistry.g.cs", EmitRegistrySource(models));
        }

        private static EquatableArray<ConvNetModel> ListedModels(ImmutableArray<ParseResult> first, ImmutableArray<ParseResult> second)
        {
            var models = new List<ConvNetModel>();
            foreach (ImmutableArray<ParseResult> results in new[] { first, second })
            {
                foreach (ParseResult result in results)
                {
                    if (result.Model is { IsListedInRegistry: true } model)
                        models.Add(model);
                }
            }
            // Sorted so the registry does not depend on the order the driver visits files in.
            models.Sort(static (left, right) => string.CompareOrdinal(left.FullName, right.FullName));
            return new EquatableArray<ConvNetModel>(models.ToArray());
        }
    }
}
