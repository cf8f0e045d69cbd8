using System.Collections.Generic;
using System.Collections.Immutable;
using Convotron.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Convotron.Generator
{
    /// <summary>
    /// Compiles each <c>[ConvNet(r, s, d)]</c> / <c>[ConvNet2D(rh, rw, sh, sw, height, width)]</c>
    /// partial class into an unrolled (or, for large geometries, constant-bound looped), allocation-free <c>IConvNet</c> for exactly that geometry,
    /// plus one <c>Convotron.Generated.ConvNetRegistry</c> listing the models of the compilation.
    /// </summary>
    /// <remarks>
    /// The pipeline: one <c>ForAttributeWithMetadataName</c> per attribute reduces the class to a
    /// value-equatable <see cref="ParseResult"/> (Parser). It then splits: the diagnostics (with their
    /// locations) are reported on their own, and the model, which holds no location, is emitted on its own
    /// (Emitter) — so an edit that only moves the class (a line added above it) re-reports diagnostics but
    /// leaves the model Unchanged and its source cached. The collected valid models make the registry,
    /// emitted only when at least one model is listed, so an assembly without models gets no extra type.
    /// Two assemblies that each list models and see each other's internals (InternalsVisibleTo) would both
    /// declare <c>Convotron.Generated.ConvNetRegistry</c>; a use of it then resolves to the assembly's
    /// own with warning CS0436, an error under warnings-as-errors. This is not prevented here.
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

            /// <summary>The models of [ConvNet] classes, without locations.</summary>
            public const string Models1D = nameof(Models1D);

            /// <summary>The models of [ConvNet2D] classes, without locations.</summary>
            public const string Models2D = nameof(Models2D);

            /// <summary>The valid models listed in the registry.</summary>
            public const string RegistryModels = nameof(RegistryModels);
        }

        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<ParseResult> oneDimensional = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    ConvNetAttributeName,
                    static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                    static (syntaxContext, cancellationToken) => Parse(syntaxContext, ConvNetKind.Strided1D, cancellationToken))
                .WithTrackingName(TrackingNames.ConvNet1D);

            IncrementalValuesProvider<ParseResult> twoDimensional = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    ConvNet2DAttributeName,
                    static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                    static (syntaxContext, cancellationToken) => Parse(syntaxContext, ConvNetKind.Strided2D, cancellationToken))
                .WithTrackingName(TrackingNames.ConvNet2D);

            context.RegisterSourceOutput(oneDimensional.Select(static (result, _) => result.Diagnostics), ReportDiagnostics);
            context.RegisterSourceOutput(twoDimensional.Select(static (result, _) => result.Diagnostics), ReportDiagnostics);

            IncrementalValuesProvider<ConvNetModel?> models1D = oneDimensional
                .Select(static (result, _) => result.Model)
                .WithTrackingName(TrackingNames.Models1D);
            IncrementalValuesProvider<ConvNetModel?> models2D = twoDimensional
                .Select(static (result, _) => result.Model)
                .WithTrackingName(TrackingNames.Models2D);
            context.RegisterSourceOutput(models1D, EmitModel);
            context.RegisterSourceOutput(models2D, EmitModel);

            IncrementalValueProvider<EquatableArray<ConvNetModel>> registryModels = models1D.Collect()
                .Combine(models2D.Collect())
                .Select(static (pair, _) => ListedModels(pair.Left, pair.Right))
                .WithTrackingName(TrackingNames.RegistryModels);

            context.RegisterSourceOutput(registryModels, EmitRegistry);
        }

        private static void ReportDiagnostics(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
        {
            foreach (DiagnosticInfo diagnostic in diagnostics)
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }

        private static void EmitModel(SourceProductionContext context, ConvNetModel? model)
        {
            if (model is not null)
                context.AddSource(model.HintName, Emit(model));
        }

        private static void EmitRegistry(SourceProductionContext context, EquatableArray<ConvNetModel> models)
        {
            if (models.Count > 0)
                context.AddSource("Convotron.Generated.ConvNetRegistry.g.cs", EmitRegistrySource(models));
        }

        private static EquatableArray<ConvNetModel> ListedModels(ImmutableArray<ConvNetModel?> first, ImmutableArray<ConvNetModel?> second)
        {
            var models = new List<ConvNetModel>();
            foreach (ImmutableArray<ConvNetModel?> candidates in new[] { first, second })
            {
                foreach (ConvNetModel? model in candidates)
                {
                    if (model is { IsListedInRegistry: true })
                        models.Add(model);
                }
            }
            // Sorted so the registry does not depend on the order the driver visits files in.
            models.Sort(static (left, right) => string.CompareOrdinal(left.FullName, right.FullName));
            return new EquatableArray<ConvNetModel>(models.ToArray());
        }
    }
}
