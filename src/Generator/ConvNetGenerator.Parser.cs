using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Convotron.Generator.Models;
using Convotron.Geometry;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Convotron.Generator
{
    public sealed partial class ConvNetGenerator
    {
        private static readonly ParseResult s_nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

        /// <summary>
        /// Reads one attributed class into a model, or into the diagnostics that explain why it
        /// cannot be one. Never throws on malformed code: anything the compiler itself rejects
        /// (missing or mistyped arguments) yields no model and leaves the error to the compiler.
        /// </summary>
        private static ParseResult Parse(GeneratorAttributeSyntaxContext context, ConvNetKind kind, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type
                || context.TargetNode is not TypeDeclarationSyntax declaration
                || context.Attributes.Length != 1)
            {
                return s_nothing;
            }

            AttributeData attribute = context.Attributes[0];
            AttributeSyntax? attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            LocationInfo? attributeLocation = LocationInfo.From(attributeSyntax) ?? LocationInfo.From(declaration.Identifier.GetLocation());
            string name = type.ToDisplayString();
            var diagnostics = new List<DiagnosticInfo>();

            // The same attribute twice (on two partial declarations) is the compiler's CS0579; skip the class.
            string thisAttribute = kind == ConvNetKind.Strided1D ? ConvNetAttributeName : ConvNet2DAttributeName;
            string otherAttribute = kind == ConvNetKind.Strided1D ? ConvNet2DAttributeName : ConvNetAttributeName;
            int sameCount = 0;
            bool hasOther = false;
            foreach (AttributeData candidate in type.GetAttributes())
            {
                string? candidateName = candidate.AttributeClass?.ToDisplayString();
                if (candidateName == thisAttribute)
                    sameCount++;
                else if (candidateName == otherAttribute)
                    hasOther = true;
            }
            if (sameCount > 1)
                return s_nothing;
            if (hasOther)
            {
                // Both pipelines see the class; the [ConvNet2D] one reports it, so it is reported once.
                if (kind == ConvNetKind.Strided2D)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConflictingAttributes, attributeLocation, name));
                return Result(null, diagnostics);
            }

            bool valid = true;
            LocationInfo? identifier = LocationInfo.From(declaration.Identifier.GetLocation());
            if (declaration is RecordDeclarationSyntax record)
            {
                string keyword = record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record";
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RecordNotSupported, identifier, name, keyword,
                    declaration.Identifier.ValueText));
                return Result(null, diagnostics);
            }

            // The generated code needs C# 12 (inline arrays; file-local types are C# 11).
            if (declaration.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: var version } && version < LanguageVersion.CSharp12)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LanguageVersionTooOld, attributeLocation, name,
                    version.ToDisplayString(), LanguageVersion.CSharp12.ToDisplayString()));
                valid = false;
            }

            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassMustBePartial,
                    identifier, name, ""));
                valid = false;
            }

            var containingTypes = new List<ContainingTypeInfo>();
            for (SyntaxNode? parent = declaration.Parent; parent is TypeDeclarationSyntax container; parent = parent.Parent)
            {
                if (!container.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassMustBePartial,
                        LocationInfo.From(container.Identifier.GetLocation()), container.Identifier.ValueText,
                        $" (it contains the model class '{name}')"));
                    valid = false;
                }
                containingTypes.Insert(0, new ContainingTypeInfo(Keyword(container), container.Identifier.Text));
            }

            if (type.TypeParameters.Length > 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericTypeNotSupported,
                    LocationInfo.From(declaration.Identifier.GetLocation()), name, "is generic"));
                valid = false;
            }
            else
            {
                for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
                {
                    if (container.IsGenericType)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericTypeNotSupported,
                            LocationInfo.From(declaration.Identifier.GetLocation()), name,
                            $"is nested in the generic type '{container.ToDisplayString()}'"));
                        valid = false;
                        break;
                    }
                }
            }

            if (type.IsStatic || type.IsAbstract)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassMustBeInstantiable,
                    LocationInfo.From(declaration.Identifier.GetLocation()), name, type.IsStatic ? "static" : "abstract"));
                valid = false;
            }

            // Arguments: the compiler reports missing, extra or mistyped ones; then there is no model (after the checks below).
            bool argumentsRead = TryReadArguments(attribute, kind, out int[] values, out double alpha, out int channels);

            // The generated members may not share the class's name (CS0542), nor a user member's (CS0102, CS0111).
            bool is2D = kind == ConvNetKind.Strided2D;
            bool hasChannels = argumentsRead && channels > 1;
            if (EmittedNames.Meaning(declaration.Identifier.ValueText, is2D, hasChannels) is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameCollidesWithConstant, identifier,
                    declaration.Identifier.ValueText));
                valid = false;
            }
            valid &= CheckMemberClashes(type, name, is2D, hasChannels, diagnostics, cancellationToken);

            if (!argumentsRead)
                return Result(null, diagnostics);
            Dictionary<string, LocationInfo?> argumentLocations = ArgumentLocations(attribute, attributeSyntax);
            LocationInfo? LocationOf(string parameter) =>
                argumentLocations.TryGetValue(parameter, out LocationInfo? location) && location is not null ? location : attributeLocation;

            // Every invalid argument is reported, each at its argument.
            List<GeometryError> errors = kind == ConvNetKind.Strided1D
                ? GeometryMath.Strided1DErrors(values[0], values[1], values[2])
                : GeometryMath.Strided2DErrors(values[0], values[1], values[2], values[3], values[4], values[5]);
            foreach (GeometryError error in errors)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidGeometry, LocationOf(error.Parameter),
                    name, error.Message, error.Parameter));
                valid = false;
            }

            // The channel count, by the runtime's rules (GeometryMath), once the single-channel geometry is valid.
            GeometryError? channelError = channels < 1 || errors.Count > 0 ? GeometryMath.ValidateChannels(channels, 1, 1) : kind == ConvNetKind.Strided1D
                ? GeometryMath.ValidateStrided1D(values[0], values[1], values[2], channels)
                : GeometryMath.ValidateStrided2D(values[0], values[1], values[2], values[3], values[4], values[5], channels);
            if (channelError is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidChannels, LocationOf("channels"),
                    name, channelError.Message));
                valid = false;
            }

            if (!(alpha >= 0.0 && alpha <= 1.0))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAlpha, LocationOf("alpha"),
                    name, alpha.ToString("R", CultureInfo.InvariantCulture)));
                valid = false;
            }

            if (!valid)
                return Result(null, diagnostics);

            string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } containingNamespace
                ? containingNamespace.ToDisplayString()
                : null;
            var model = kind == ConvNetKind.Strided1D
                ? new ConvNetModel(ns, containingTypes.ToEquatableArray(), declaration.Identifier.Text, name, HintName(type),
                    IsListedInRegistry(type), kind, RH: 1, RW: values[0], SH: 1, SW: values[1], Height: 1, Width: values[2], Alpha: alpha + 0.0,
                    Channels: channels)
                : new ConvNetModel(ns, containingTypes.ToEquatableArray(), declaration.Identifier.Text, name, HintName(type),
                    IsListedInRegistry(type), kind, values[0], values[1], values[2], values[3], values[4], values[5], alpha + 0.0, channels);

            // What the emitted code will be like, as information.
            var plan = GeometryPlan.Create(model);
            string geometry = plan.GeometryText;
            if (plan.UnreadCoordinates > 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadCoordinates, attributeLocation,
                    geometry, name, Invariant(plan.UnreadCoordinates), Invariant(model.D)));
            }
            if (plan.NonOverlappingTapCount == 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoNonOverlappingPart, attributeLocation, geometry, name));
            if (!plan.Unrolled)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LoopsInsteadOfUnrolling, attributeLocation,
                    geometry, name, Invariant(plan.PatchTerms), Invariant(GeometryPlan.MaxUnrolledTerms)));
            }
            return Result(model, diagnostics);
        }

        /// <summary>
        /// CNV0012 at each user member or nested type whose name the generated class also declares (from the one table
        /// in <see cref="EmittedNames"/>), and at a user parameterless instance constructor. False when there is any.
        /// </summary>
        private static bool CheckMemberClashes(INamedTypeSymbol type, string name, bool is2D, bool hasChannels, List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            bool clean = true;
            foreach (ISymbol member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member.IsImplicitlyDeclared)
                    continue;
                string memberName = member.Name;
                string what;
                if (member is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor)
                {
                    if (constructor.IsStatic || constructor.Parameters.Length > 0)
                        continue;
                    memberName = EmittedNames.Constructor;
                    what = "a constructor";
                }
                else if (member is IMethodSymbol { MethodKind: not MethodKind.Ordinary })
                {
                    continue; // operators, accessors, explicit interface implementations: no name to clash
                }
                else
                {
                    what = member is INamedTypeSymbol ? "a nested type" : "a member";
                }
                if (EmittedNames.Meaning(memberName, is2D, hasChannels) is not { } meaning)
                    continue;
                LocationInfo? location = null;
                foreach (Location candidate in member.Locations)
                {
                    if (candidate.IsInSource)
                    {
                        location = LocationInfo.From(candidate);
                        break;
                    }
                }
                string shown = memberName == EmittedNames.Constructor ? type.Name + "()" : memberName;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberCollidesWithGenerated, location, name, what, shown, meaning));
                clean = false;
            }
            return clean;
        }

        private static ParseResult Result(ConvNetModel? model, List<DiagnosticInfo> diagnostics) =>
            new(model, diagnostics.ToEquatableArray());

        /// <summary>
        /// The geometry's integers, alpha and the channel count (1 when the attribute has no such parameter, as an older
        /// runtime's): false when the compiler could not bind them.
        /// </summary>
        private static bool TryReadArguments(AttributeData attribute, ConvNetKind kind, out int[] values, out double alpha, out int channels)
        {
            int count = kind == ConvNetKind.Strided1D ? 3 : 6;
            values = new int[count];
            alpha = 0.0;
            channels = 1;
            int arguments = attribute.ConstructorArguments.Length;
            if (attribute.AttributeConstructor is null || (arguments != count + 1 && arguments != count + 2))
                return false;
            if (arguments == count + 2)
            {
                TypedConstant channelsArgument = attribute.ConstructorArguments[count + 1];
                if (channelsArgument.Kind != TypedConstantKind.Primitive || channelsArgument.Value is not int channelsValue)
                    return false;
                channels = channelsValue;
            }
            for (int i = 0; i < count; i++)
            {
                TypedConstant argument = attribute.ConstructorArguments[i];
                if (argument.Kind != TypedConstantKind.Primitive || argument.Value is not int value)
                    return false;
                values[i] = value;
            }
            TypedConstant alphaArgument = attribute.ConstructorArguments[count];
            if (alphaArgument.Kind != TypedConstantKind.Primitive || alphaArgument.Value is not double alphaValue)
                return false;
            alpha = alphaValue;
            return true;
        }

        /// <summary>Where each constructor argument is written (named or positional), by parameter name.</summary>
        private static Dictionary<string, LocationInfo?> ArgumentLocations(AttributeData attribute, AttributeSyntax? syntax)
        {
            var locations = new Dictionary<string, LocationInfo?>();
            if (syntax?.ArgumentList is not { } argumentList || attribute.AttributeConstructor is not { } constructor)
                return locations;
            for (int i = 0; i < argumentList.Arguments.Count; i++)
            {
                AttributeArgumentSyntax argument = argumentList.Arguments[i];
                string? parameter = argument.NameColon?.Name.Identifier.ValueText
                    ?? (argument.NameEquals is null && i < constructor.Parameters.Length ? constructor.Parameters[i].Name : null);
                if (parameter is not null && !locations.ContainsKey(parameter))
                    locations[parameter] = LocationInfo.From(argument);
            }
            return locations;
        }

        private static string Keyword(TypeDeclarationSyntax declaration) => declaration switch
        {
            RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
            RecordDeclarationSyntax => "record",
            StructDeclarationSyntax => "struct",
            InterfaceDeclarationSyntax => "interface",
            _ => "class",
        };

        /// <summary>Only types the registry (an internal class of the same assembly) can name are listed.</summary>
        private static bool IsListedInRegistry(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                if (current.IsFileLocal)
                    return false;
                if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                    return false;
            }
            return true;
        }

        /// <summary>"Namespace.Outer.Name.g.cs", with anything but letters, digits, '_' and '.' (an escaping '@') replaced by '_'.</summary>
        private static string HintName(INamedTypeSymbol type)
        {
            string name = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "");
            var builder = new System.Text.StringBuilder(name.Length + 5);
            foreach (char c in name)
                builder.Append(char.IsLetterOrDigit(c) || c == '_' || c == '.' ? c : '_');
            return builder.Append(".g.cs").ToString();
        }

        private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
