using System.Reflection;
using System.Reflection.Emit;

namespace Spindle.Serialization;

/// <summary>
/// Getters and setters for fields, emitted once per field as <see cref="DynamicMethod"/>s. Chosen over compiled
/// expression trees because IL can store into readonly fields (records' and tuples' backing fields) and into a boxed
/// struct in place (<c>unbox</c> + <c>stfld</c>), both of which expression trees refuse; the call cost is the same.
/// </summary>
internal static class FieldAccessors
{
    public static Func<object, object?> Getter(FieldInfo field)
    {
        var method = new DynamicMethod("get_" + field.Name, typeof(object), [typeof(object)], typeof(FieldAccessors).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        EmitTarget(il, field.DeclaringType!);
        il.Emit(OpCodes.Ldfld, field);
        if (field.FieldType.IsValueType) il.Emit(OpCodes.Box, field.FieldType);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Func<object, object?>>();
    }

    public static Action<object, object?> Setter(FieldInfo field)
    {
        var method = new DynamicMethod("set_" + field.Name, null, [typeof(object), typeof(object)], typeof(FieldAccessors).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        EmitTarget(il, field.DeclaringType!);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(field.FieldType.IsValueType ? OpCodes.Unbox_Any : OpCodes.Castclass, field.FieldType);
        il.Emit(OpCodes.Stfld, field);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<object, object?>>();
    }

    /// <summary>
    /// Copies a blittable field straight to or from payload bytes, without boxing: the bytes are the field's raw
    /// little-endian value, exactly what <see cref="UnmanagedPlan{T}"/> and <see cref="EnumPlan{TEnum, TUnderlying}"/> write.
    /// </summary>
    public static RawFieldAccess RawWriter(FieldInfo field)
    {
        var method = new DynamicMethod("raw_get_" + field.Name, null, [typeof(object), typeof(byte).MakeByRefType()], typeof(FieldAccessors).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldarg_0);
        EmitTarget(il, field.DeclaringType!);
        il.Emit(OpCodes.Ldfld, field);
        il.Emit(OpCodes.Unaligned, (byte)1);
        il.Emit(OpCodes.Stobj, field.FieldType);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<RawFieldAccess>();
    }

    /// <inheritdoc cref="RawWriter"/>
    public static RawFieldAccess RawReader(FieldInfo field)
    {
        var method = new DynamicMethod("raw_set_" + field.Name, null, [typeof(object), typeof(byte).MakeByRefType()], typeof(FieldAccessors).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        EmitTarget(il, field.DeclaringType!);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Unaligned, (byte)1);
        il.Emit(OpCodes.Ldobj, field.FieldType);
        il.Emit(OpCodes.Stfld, field);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<RawFieldAccess>();
    }

    private static void EmitTarget(ILGenerator il, Type declaringType)
    {
        // A struct's fields live inside its box: unbox yields a pointer into it, so the setter changes the box itself.
        if (declaringType.IsValueType) il.Emit(OpCodes.Unbox, declaringType);
        else il.Emit(OpCodes.Castclass, declaringType);
    }
}

/// <summary>Copies one blittable field of <paramref name="target"/> to or from the bytes at <paramref name="data"/>.</summary>
internal delegate void RawFieldAccess(object target, ref byte data);
